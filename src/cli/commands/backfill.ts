/**
 * `exotel-calls backfill`: exports a range of call history as NDJSON, in windows of at most one
 * calendar month (the API's limit), resumable after an interruption without duplicates.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ExotelError, InvalidOptionError, isMalformedRecordError } from '../../exotel/errors.js';
import type { CallQuery } from '../../exotel/buildCallQuery.js';
import { formatNaive, parseNaiveMs } from '../../exotel/time.js';
import type { RawCall } from '../../exotel/types.js';
import type { Command } from '../command.js';
import { clientConnection, connectionHelp, connectionOptions, resolveConnection } from '../connection.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { callToJsonLine } from '../format.js';
import { parseCommandArgs, parseEnumList, parseInstantMs, parseIntegerOption, parsePhoneList, type OptionSpecs } from '../parse.js';
import { DIRECTIONS, STATUSES, resolveTimeZone } from '../streamFlags.js';
import { redisQuotaHelp, redisQuotaOptions, redisSettingsFrom, sharedQuota } from '../redisFlags.js';
import { UsageError } from '../UsageError.js';
import { probeApi } from '../probe.js';
import { renderSummary } from '../backfill/progress.js';
import { ProgressReporter } from '../backfill/ProgressReporter.js';
import { fileOutput } from '../backfill/fileOutput.js';
import { stdoutOutput } from '../backfill/stdoutOutput.js';
import { SidLog, initialState, loadState, removeFile, saveState, type BackfillParams, type BackfillState } from '../backfill/state.js';
import { oldestAllowedMs, planWindows } from '../backfill/windows.js';

const options = {
  ...connectionOptions,
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string', short: 'o' },
  state: { type: 'string' },
  overwrite: { type: 'boolean' },
  'time-zone': { type: 'string' },
  direction: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  'phone-number': { type: 'string', multiple: true },
  'to-number': { type: 'string', multiple: true },
  'from-number': { type: 'string', multiple: true },
  'page-size': { type: 'string' },
  'max-requests-per-minute': { type: 'string' },
  details: { type: 'boolean' },
  raw: { type: 'boolean' },
  progress: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  ...redisQuotaOptions,
} as const satisfies OptionSpecs;

const help = `Usage: exotel-calls backfill --from WHEN [--to WHEN] [--out FILE] [options]

Exports the calls created in a range as NDJSON, one normalized call per line (timestamps in
ISO 8601, \`raw\` holding the record as received), oldest first. The range is read in windows of
at most one calendar month (the API's limit); the API serves records up to 6 months old, and a
range reaching further back is refused before anything is requested.

  --from WHEN             start of the range (required)
  --to WHEN               end of the range, inclusive (default: now); a date alone is the
                          end of that day, so \`--from 2026-05-01 --to 2026-05-31\` is all of
                          May and \`--from X --to X\` the whole day X
                          WHEN: 2026-05-01, "2026-05-01 10:00:00" (in --time-zone),
                          2026-05-01T04:30:00Z, now, or a duration ago such as 7d or 36h
  -o, --out FILE          write to FILE instead of stdout; progress is kept in FILE.state.json,
                          so that running the same command again after an interruption resumes
                          where it stopped, writing nothing twice
  --state FILE            keep the progress in FILE instead
  --overwrite             start over even if FILE exists
  --time-zone ZONE        zone of the account's timestamps (default Asia/Kolkata, or EXOTEL_TIME_ZONE)
  --raw                   write the records exactly as the API sent them
  --details               ask for leg-wise details
  --page-size N           records per request, 1-100 (default 100)
  --max-requests-per-minute N   the account's quota (default 200)
${redisQuotaHelp}
  --progress, --no-progress   force the progress bar on stderr on or off
                          (default: on when stderr is a terminal, else one summary line at the end)
  -q, --quiet             no summary line and no warnings

Filters (repeat a flag or give a comma list):
  --direction D           inbound, outbound-dial, outbound-api
  --status S              completed, failed, busy, no-answer, canceled
  --phone-number NUM      ExoPhone(s), E.164, at most 5
  --to-number NUM         customer number(s), E.164, at most 5
  --from-number NUM       number(s) called first, E.164, at most 5

${connectionHelp}

Exit codes: 0 done, 1 failure, 2 bad usage (or a range the API refuses), 3 bad credentials,
4 API unreachable, 130 interrupted (run the same command again to resume).

Examples:
  exotel-calls backfill --from 2026-05-01 --to 2026-05-31 --out may.ndjson
  exotel-calls backfill --from 7d --status failed | jq -r .sid
`;

/** A bound given relative to now (or left out) cannot be compared across runs: a resume takes the saved one. */
const isRelative = (text: string | undefined) => text === undefined || text.trim() === 'now' || /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text.trim());

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('backfill', options, argv);
  const nowMs = context.now();
  const timeZone = resolveTimeZone(values['time-zone'], context.env);
  if (values.from === undefined) throw new UsageError('`--from` is required: the start of the range to export (e.g. `--from 2026-05-01` or `--from 7d`).');
  let fromMs = parseInstantMs(values.from, '--from', timeZone, nowMs);
  // A date alone as the end means the whole of that day: `--from 2026-05-01 --to 2026-05-31` is May.
  let toMs = values.to === undefined ? nowMs : parseInstantMs(values.to, '--to', timeZone, nowMs, { endOfDay: true });
  if (toMs > nowMs) toMs = nowMs; // nothing has been created in the future
  if (toMs < fromMs) {
    throw new InvalidOptionError('--to', `at or after \`--from\` (${formatNaive(fromMs, timeZone)} in ${timeZone})`, values.to ?? 'now');
  }

  const direction = parseEnumList(values.direction, '--direction', DIRECTIONS);
  const status = parseEnumList(values.status, '--status', STATUSES);
  const phoneNumber = parsePhoneList(values['phone-number'], '--phone-number');
  const toNumbers = parsePhoneList(values['to-number'], '--to-number');
  const fromNumbers = parsePhoneList(values['from-number'], '--from-number');
  const pageSize = values['page-size'] === undefined ? 100 : parseIntegerOption(values['page-size'], '--page-size', 1, 100);
  const maxRequestsPerMinute =
    values['max-requests-per-minute'] === undefined ? 200 : parseIntegerOption(values['max-requests-per-minute'], '--max-requests-per-minute', 1, 100_000);
  const filters: CallQuery = {};
  if (direction.length > 0) filters.direction = [...new Set(direction)];
  if (status.length > 0) filters.status = [...new Set(status)];
  if (phoneNumber.length > 0) filters.phoneNumber = phoneNumber;
  if (toNumbers.length > 0) filters.to = toNumbers;
  if (fromNumbers.length > 0) filters.from = fromNumbers;
  const raw = values.raw ?? false;
  const details = values.details ?? false;
  const query = { ...filters, details, raw, pageSize };

  if (values.state !== undefined && values.out === undefined) {
    throw new UsageError('`--state` needs `--out`: a resume cuts the output file back to its last complete line.');
  }
  const statePath = values.out === undefined ? undefined : (values.state ?? `${values.out}.state.json`);

  // Resume: the saved run decides the range where this one gave it relative to now.
  let state: BackfillState | undefined;
  let resumed = false;
  if (statePath !== undefined) {
    let saved: BackfillState | undefined;
    try {
      saved = await loadState(statePath);
    } catch (error) {
      throw new UsageError((error as Error).message, { showHelpHint: false });
    }
    if (saved !== undefined && !values.overwrite) {
      const sameQuery = JSON.stringify(saved.params.query) === JSON.stringify(query) && saved.params.timeZone === timeZone;
      const sameFrom = isRelative(values.from) || saved.params.fromMs === fromMs;
      const sameTo = isRelative(values.to) || saved.params.toMs === toMs;
      if (!sameQuery || !sameFrom || !sameTo) {
        throw new UsageError(
          `${JSON.stringify(values.out)} holds a backfill of other parameters (${describeParams(saved.params)}). ` +
            'Run that command again to finish it, pass `--overwrite` to start over, or choose another `--out`.',
          { showHelpHint: false },
        );
      }
      if (saved.complete) {
        if (!values.quiet) context.stderr.write(`backfill: ${JSON.stringify(values.out)} is already complete (${saved.records} records). Pass \`--overwrite\` to export again.\n`);
        return ExitCode.ok;
      }
      fromMs = saved.params.fromMs;
      toMs = saved.params.toMs;
      state = saved;
      resumed = true;
    }
  }

  const params: BackfillParams = { fromMs, toMs, timeZone, query };
  state ??= initialState(params);
  const windows = planWindows(fromMs, toMs, timeZone);

  // Checked before any request: the API refuses a range that reaches past six months.
  const oldest = oldestAllowedMs(nowMs, timeZone);
  const firstToRead = windows[state.windowsDone]?.startMs ?? fromMs;
  if (firstToRead < oldest) {
    throw new UsageError(
      `Exotel serves call records up to 6 months old: the range starts at ${formatNaive(firstToRead, timeZone)}, before ${formatNaive(oldest, timeZone)} (${timeZone}), ` +
        'so the API would refuse it. Pass a later `--from`.',
    );
  }

  if (values.out !== undefined) {
    const outDir = dirname(resolve(values.out));
    if (!(await stat(outDir).catch(() => undefined))?.isDirectory()) {
      throw new UsageError(`\`--out\` ${JSON.stringify(values.out)}: the directory ${JSON.stringify(outDir)} does not exist.`);
    }
  }
  if (values.out !== undefined && !resumed && !values.overwrite) {
    const existing = await stat(values.out).catch(() => undefined);
    if (existing && existing.size > 0) {
      throw new UsageError(`${JSON.stringify(values.out)} exists and holds no backfill state to resume. Pass \`--overwrite\` to replace it, or choose another \`--out\`.`, {
        showHelpHint: false,
      });
    }
  }

  const redisSettings = redisSettingsFrom(values, context.env);
  const connection = await resolveConnection(values, context.env, context.stdin);
  // With --redis, every request takes its slot of the account's shared window, the probe's too.
  const shared = redisSettings === undefined ? undefined : await sharedQuota(redisSettings, connection.accountSid, maxRequestsPerMinute);
  // A failure before the export starts must not leave Redis connected (the process would not exit).
  const closeShared = async (error: unknown): Promise<never> => {
    await shared?.close();
    throw error;
  };
  // One small request first: bad credentials or an unreachable host end the command in a second
  // or two (exit 3 or 4), not after the minute of retries a long export allows each request.
  await probeApi(connection, timeZone, nowMs, values.quiet ? undefined : (m) => context.stderr.write(`backfill: warning: ${m}\n`), shared?.limiter).catch(closeShared);
  // Loaded here, not at the top: `--help` and usage errors answer without loading the client.
  const [{ ExotelClient }, { createQuotaLimiter }, { normalizeCall }] = await Promise.all([
    import('../../exotel/ExotelClient.js'),
    import('../../exotel/createQuotaLimiter.js'),
    import('../../exotel/normalizeCall.js'),
  ]).catch(closeShared);

  const stop = new AbortController();
  let interruptedBy: string | undefined;
  let readerGone = false;
  const output =
    values.out === undefined
      ? stdoutOutput(context, () => {
          readerGone = true;
          stop.abort();
        })
      : await fileOutput(values.out, resumed ? state.bytes : 0).catch(closeShared);
  // Without --out there is nothing to resume: the Sids of the window are kept in memory only.
  const sidLogPath = statePath === undefined ? undefined : `${statePath}.sids`;
  const sidLog =
    sidLogPath === undefined
      ? undefined
      : await SidLog.open(sidLogPath, resumed ? state.sidsBytes : 0).catch(async (error: unknown) => {
          await output.close();
          return closeShared(error);
        });
  const memorySids = new Set<string>();
  const windowSids = sidLog?.sids ?? memorySids;

  const limiter = shared?.limiter ?? createQuotaLimiter({ maxRequestsPerMinute });
  const client = new ExotelClient({
    ...clientConnection(connection),
    timeZone,
    limiter,
  });

  void context.shutdown.then((signal) => {
    interruptedBy = signal;
    stop.abort();
  });
  const showProgress = !values.quiet && (values.progress ?? Boolean(context.stderr.isTTY));
  const progress = new ProgressReporter(context, windows, showProgress, () => limiter.currentReservoir().then((n) => n ?? undefined), maxRequestsPerMinute);
  const startedAt = context.now();
  let skipped = 0;
  let pagesThisRun = 0;
  const warn = (text: string) => {
    if (values.quiet) return;
    progress.clear();
    context.stderr.write(`backfill: warning: ${text}\n`);
  };

  try {
    for (let w = state.windowsDone; w < windows.length; w++) {
      const window = windows[w]!;
      const query: CallQuery = { ...filters, dateCreated: { gte: window.startMs, lte: window.endMs }, sortBy: 'asc', pageSize, details };
      // The client pages, follows the cursor, refuses a repeated one, and skips the Sids this
      // window already wrote (remembered in the Sid log across an interruption).
      for await (const page of client.listAll(query, { startCursor: state.cursor, seen: windowSids, signal: stop.signal })) {
        let text = '';
        const written: string[] = [];
        let lastCreatedMs: number | undefined;
        for (const record of page.calls) {
          const sid = (record as { Sid?: unknown } | null)?.Sid;
          let line: string;
          try {
            const call = normalizeCall(record, { timeZone, details });
            line = raw ? `${JSON.stringify(record)}\n` : callToJsonLine(call);
            lastCreatedMs = call.dateCreated.getTime();
          } catch (error) {
            if (!isMalformedRecordError(error)) throw error;
            skipped++;
            warn(`skipped a malformed record: ${error.message}`);
            if (!raw) continue;
            line = `${JSON.stringify(record)}\n`;
            lastCreatedMs = typeof (record as RawCall).DateCreated === 'string' ? parseNaiveMs((record as RawCall).DateCreated, timeZone) ?? lastCreatedMs : lastCreatedMs;
          }
          if (typeof sid === 'string' && sid !== '') written.push(sid);
          text += line;
        }
        const bytes = await output.write(text);
        state.bytes += bytes;
        state.records += written.length;
        state.pages += 1;
        pagesThisRun += 1;
        if (sidLog) {
          await sidLog.append(written);
          state.sidsBytes = sidLog.bytes;
        }
        state.cursor = page.calls.length === 0 ? null : page.nextPageUri;
        if (statePath !== undefined) await saveState(statePath, state);
        await progress.update(state, w, window, lastCreatedMs, startedAt, pagesThisRun);
        if (stop.signal.aborted) break;
      }
      if (stop.signal.aborted) break;
      state.windowsDone = w + 1;
      state.sidsBytes = 0;
      state.cursor = null;
      if (w + 1 === windows.length) state.complete = true;
      // The state first: a crash before the log is emptied leaves a log the state says is empty.
      if (statePath !== undefined) await saveState(statePath, state);
      await sidLog?.reset();
      memorySids.clear();
    }
    if (windows.length === 0) state.complete = true;
  } catch (error) {
    if (!(stop.signal.aborted && error instanceof ExotelError && error.code === 'ERR_ABORTED')) {
      progress.clear();
      await output.close();
      await sidLog?.close();
      await client.close();
      await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await shared?.close();
      if (statePath !== undefined) context.stderr.write(`backfill: progress is saved in ${statePath}; run the same command again to resume.\n`);
      throw error;
    }
  }
  await output.close();
  await sidLog?.close();
  await client.close();
  // The client does not stop a limiter it was given.
  await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  await shared?.close();
  progress.finish();
  if (state.complete && sidLogPath !== undefined) await removeFile(sidLogPath);

  const elapsedMs = context.now() - startedAt;
  // The reader of stdout went away (`| head`): stop quietly, as other tools do.
  if (readerGone) return ExitCode.ok;
  if (!state.complete) {
    if (!values.quiet) {
      context.stderr.write(
        `backfill: ${interruptedBy ?? 'interrupted'}: stopped after ${state.records} records` +
          (statePath === undefined ? ' (no --out: cannot resume).\n' : `; run the same command again to resume (state in ${statePath}).\n`),
      );
    }
    return 130;
  }
  if (!values.quiet) {
    const summary = renderSummary({
      windowsDone: state.windowsDone,
      windowsTotal: windows.length,
      pages: state.pages,
      records: state.records,
      elapsedMs,
      resumed,
      out: values.out ?? 'stdout',
    });
    context.stderr.write(`${summary}${skipped > 0 ? `, ${skipped} malformed records skipped` : ''}\n`);
  }
  return ExitCode.ok;
}

function describeParams(p: BackfillParams): string {
  return `from ${formatNaive(p.fromMs, p.timeZone)} to ${formatNaive(p.toMs, p.timeZone)} ${p.timeZone}, ${JSON.stringify(p.query)}`;
}

export const backfillCommand: Command = { name: 'backfill', summary: 'export call history as NDJSON, resumable', help, run };
