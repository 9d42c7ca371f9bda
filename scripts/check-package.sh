#!/usr/bin/env bash
# Checks the package as it is published, after `npm run build`: what the tarball holds, that its
# ESM and CJS entry points load in plain Node and make real requests (to a simulator on 127.0.0.1),
# that the bin runs, and that the types resolve for every condition (@arethetypeswrong/cli).
#
# The tarball is installed into a scratch directory, so a file missing from `files` fails here,
# not at a user's. Its dependencies are linked from this repository's node_modules (no network).
#
# Usage: npm run build && bash scripts/check-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "check-package: $1" >&2
  exit 1
}
step() { echo "check-package: $1"; }

[ -f dist/index.js ] || fail "dist/ is missing: run \`npm run build\` first"

name=$(node -p "require('./package.json').name")
version=$(node -p "require('./package.json').version")

# --- 1. the tarball holds dist/, docs/, examples/, README.md, package.json, LICENSE, nothing else --
step "npm pack --dry-run"
npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
  const files = JSON.parse(require("fs").readFileSync(0, "utf8"))[0].files.map((f) => f.path);
  // docs/ and examples/ ship, so that the links of the README resolve in the installed package too.
  const allowed = (p) => p.startsWith("dist/") || p.startsWith("docs/") || p.startsWith("examples/") || ["README.md", "package.json", "LICENSE"].includes(p);
  const stray = files.filter((p) => !allowed(p));
  if (stray.length > 0) throw new Error(`unexpected files in the package: ${stray.join(", ")}`);
  const needed = ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts",
    "dist/simulator.js", "dist/simulator.cjs", "dist/simulator.d.ts", "dist/simulator.d.cts", "dist/redis.js", "dist/redis.cjs", "dist/redis.d.ts",
    "dist/redis.d.cts", "dist/cli.js", "docs/service.md", "docs/sinks.md", "docs/redis.md", "examples/webhook-forwarder/index.ts"];
  // Every relative link of the README names a file the package holds.
  const readme = require("fs").readFileSync("README.md", "utf8");
  const dead = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#]*)/g)].map((m) => m[1].replace(/\/$/, "")).filter((l) => !files.some((f) => f === l || f.startsWith(`${l}/`)));
  if (dead.length > 0) throw new Error(`README links to files the package does not hold: ${dead.join(", ")}`);
  const missing = needed.filter((p) => !files.includes(p));
  if (missing.length > 0) throw new Error(`missing from the package: ${missing.join(", ")}`);
  console.log(`  ${files.length} files, all under dist/, docs/ and examples/ but ${files.filter((p) => !/^(dist|docs|examples)\//.test(p)).join(", ")}`);
'

# --- 2. install the real tarball into a scratch project ----------------------------------------
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
npm pack --pack-destination "$scratch" --ignore-scripts --silent >/dev/null
tarball=$(ls "$scratch"/*.tgz)
mkdir -p "$scratch/node_modules/$name"
tar -xzf "$tarball" -C "$scratch/node_modules/$name" --strip-components=1
for dep in node_modules/*; do
  ln -s "$PWD/$dep" "$scratch/$dep"
done
echo '{ "name": "scratch", "private": true }' >"$scratch/package.json"

# A request through each bundle: the client (p-retry recovering from an injected 503) and the
# stream (a call that ended ten minutes ago arrives on callCompleted$), against the simulator.
cat >"$scratch/roundtrip.js" <<'EOF'
module.exports = async function roundtrip(lib, sim, label) {
  const now = Date.now();
  const simulator = sim.createSimulator({ seed: 1, settleDelayMs: 1_000 });
  const truth = simulator.addCall({ startAt: now - 10 * 60_000, talkMs: 30_000 });
  const { url } = await simulator.listen();
  const account = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: url };
  try {
    simulator.inject({ kind: 'status', status: 503, times: 1 });
    const client = new lib.ExotelClient({ ...account, retries: 2, retryMinTimeoutMs: 1, retryMaxTimeoutMs: 1 });
    const page = await client.listPage({ pageSize: 10 });
    await client.close();
    if (client.stats().retries !== 1) throw new Error(`${label}: expected one retry, got ${JSON.stringify(client.stats())}`);
    if (page.calls.length !== 1 || page.calls[0].Sid !== truth.sid) throw new Error(`${label}: unexpected page ${JSON.stringify(page.calls)}`);

    const stream = lib.createCallStream({ ...account, pollIntervalMs: 1_000, lookbackMs: 30 * 60_000 });
    const call = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no callCompleted within 10 s`)), 10_000);
      stream.errors$.subscribe((error) => { clearTimeout(timer); reject(error); });
      stream.callCompleted$.subscribe((c) => { clearTimeout(timer); resolve(c); });
    });
    await stream.stop();
    if (call.sid !== truth.sid || !(call.dateCreated instanceof Date) || typeof call.duration !== 'number') {
      throw new Error(`${label}: unexpected call ${JSON.stringify(call)}`);
    }
    console.log(`  ${label}: client retried a 503 and listed ${page.calls[0].Sid}; the stream emitted it`);
  } finally {
    await simulator.close();
  }
};
EOF

cd "$scratch"
# --- 3. CJS entry points, also where require() of ESM is unavailable (Node < 20.19) ------------
step "require() the CJS entry points"
for flags in "" "--no-experimental-require-module"; do
  node $flags -e "
    const lib = require('$name');
    const sim = require('$name/simulator');
    const redis = require('$name/redis');
    for (const [n, v] of [['createCallStream', lib.createCallStream], ['fileStore', lib.fileStore], ['createSimulator', sim.createSimulator], ['SimulatorDispatcher', sim.SimulatorDispatcher],
      ['createRedisCallStream', redis.createRedisCallStream], ['createCallFleet', redis.createCallFleet], ['createRedisQuotaLimiter', redis.createRedisQuotaLimiter], ['redisStore', redis.redisStore]]) {
      if (typeof v !== 'function') throw new Error(n + ' is not exported by the CJS build');
    }
    if (require('$name/package.json').version !== '$version') throw new Error('./package.json is not exported');
    require('./roundtrip.js')(lib, sim, 'CJS${flags:+ ($flags)}').catch((e) => { console.error(e); process.exit(1); });
  "
done

# --- 4. ESM entry points -------------------------------------------------------------------------
step "import the ESM entry points"
node --input-type=module -e "
  import { createRequire } from 'node:module';
  import * as lib from '$name';
  import * as sim from '$name/simulator';
  import * as redis from '$name/redis';
  const cjs = createRequire(import.meta.url)('$name');
  if (lib.createCallStream === cjs.createCallStream) throw new Error('import resolved to the CJS build');
  if (typeof lib.createCallStream !== 'function' || typeof sim.createSimulator !== 'function' || typeof redis.createCallFleet !== 'function') throw new Error('missing ESM exports');
  await createRequire(import.meta.url)('./roundtrip.js')(lib, sim, 'ESM');
"

# --- 4b. the wallboard's browser script is inlined in the build (no esbuild at run time) ----------
step "the wallboard page's script, inlined"
# (The source maps carry the original browserScript.ts; the code itself must not load esbuild.)
if grep -rlq --include="*.js" --include="*.cjs" "esbuild" "node_modules/$name/dist"; then fail "dist/ refers to esbuild: the wallboard script was not inlined"; fi
node --input-type=module -e "
  import { Subject } from 'rxjs';
  import { createWallboardServer } from '$name';
  const board = await createWallboardServer({ stream: { events\$: new Subject(), errors\$: new Subject() } });
  const js = await (await fetch(new URL('wallboard.js', board.url))).text();
  await board.close();
  if (!js.includes('catching-up') || /^\s*import\s/m.test(js)) throw new Error('/wallboard.js is not the bundled page script');
  console.log('  /wallboard.js: ' + js.length + ' bytes, bundled');
"

# --- 5. the bin ------------------------------------------------------------------------------------
step "the bin"
bin=$(node -p "Object.values(require('$name/package.json').bin)[0]")
head -1 "node_modules/$name/$bin" | grep -q '^#!/usr/bin/env node' || fail "$bin has no '#!/usr/bin/env node' line"
got=$(node "node_modules/$name/$bin" --version)
[ "$got" = "$version" ] || fail "\`$bin --version\` printed '$got', expected '$version'"
echo "  $bin --version: $got"
cd - >/dev/null

# --- 5b. the container image's entry command, run as a process -------------------------------------
step "the Dockerfile's ENTRYPOINT + CMD (exotel-calls serve) as a process"
node scripts/check-container-command.mjs "$scratch"

# --- 6. without ioredis (an optional peer dependency): every entry loads; --redis says what is missing --
step "without ioredis"
cd "$scratch"
rm "$scratch/node_modules/ioredis"
node -e "require('$name'); require('$name/redis'); require('$name/simulator')"
node --input-type=module -e "await import('$name'); await import('$name/redis');"
set +e
out=$(EXOTEL_ACCOUNT_SID=a EXOTEL_API_KEY=k EXOTEL_API_TOKEN=t node "node_modules/$name/$bin" tail --redis redis://127.0.0.1:1 --base-url http://127.0.0.1:1 2>&1)
code=$?
set -e
echo "$out" | grep -q 'needs the `ioredis` package' || fail "tail --redis without ioredis printed: $out"
[ "$code" = 2 ] || fail "tail --redis without ioredis exited with $code, expected 2"
echo "  every entry loads; tail --redis says: $(echo "$out" | grep 'needs the `ioredis` package' | sed 's/^[^:]*: //')"
cd - >/dev/null

# --- 7. types for every resolution mode ------------------------------------------------------------
step "attw --pack ."
npx --no-install attw --pack . --format table-flipped

step "ok"
