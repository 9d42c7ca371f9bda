/**
 * Reads Prometheus text exposition with an independent parser (`parse-prometheus-text-format`),
 * after a strict line check of our own: every line a `# HELP`, a `# TYPE` or a sample
 * `name{labels} value`, every sample's family declared by a TYPE line before it.
 */
import parse from 'parse-prometheus-text-format';

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|[Nn][Aa][Nn]|[+-]?Inf))$/; // Go's ParseFloat, which Prometheus uses, takes NaN in any case

export function parsePrometheusText(text: string): Map<string, Family> {
  const declared = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (declared.has(type[1]!)) throw new Error(`line ${i + 1}: ${type[1]} declared twice`);
      declared.set(type[1]!, type[2]!);
      return;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) return;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${i + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    const name = sample[1]!;
    const family = declared.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    if (!declared.has(family)) throw new Error(`line ${i + 1}: ${name} has no TYPE line before it`);
  });
  const families = new Map<string, Family>();
  for (const f of parse(text) as Array<{ name: string; type: string; help: string; metrics: Array<{ value?: string; labels?: Record<string, string>; count?: string; sum?: string }> }>) {
    families.set(f.name, {
      name: f.name,
      type: f.type.toLowerCase(),
      help: f.help,
      samples: f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value ?? m.count) })),
    });
  }
  return families;
}

/** The value of one sample (labels matched exactly on the given ones); throws when absent. */
export function sample(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const found = family.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!found) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
  return found.value;
}
