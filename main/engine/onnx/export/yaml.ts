/**
 * A small YAML writer for plain data (what rdf.yaml holds). Strings are always double-quoted JSON
 * strings, which YAML 1.1 and 1.2 both read identically (bioimage.io requires that equivalence), so
 * no value can turn into a boolean, number or date by accident ("no", "1e3", "2021-01-01").
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`yaml: cannot write ${v}`);
    const t = String(v);
    // YAML 1.1 (PyYAML) reads "1e-7" as a string: its float needs a "." and a signed exponent.
    const m = /^(-?\d+)(\.\d+)?e([+-]?)(\d+)$/.exec(t);
    return m ? `${m[1]}${m[2] ?? '.0'}e${m[3] || '+'}${m[4]}` : t;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

const isScalar = (v: YamlValue): v is string | number | boolean | null => v === null || typeof v !== 'object';
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function lines(v: YamlValue, indent: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${indent}[]`];
    return v.flatMap((item) => {
      if (isScalar(item)) return [`${indent}- ${scalar(item)}`];
      const inner = lines(item, indent + '  ');
      if (inner.length === 1 && /^\s*(\[\]|\{\})$/.test(inner[0])) return [`${indent}- ${inner[0].trim()}`];
      // The first line of the nested block moves up onto the "- " line.
      return [`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  if (isScalar(v)) return [`${indent}${scalar(v)}`];
  const entries = Object.entries(v).filter((e): e is [string, YamlValue] => e[1] !== undefined);
  if (entries.length === 0) return [`${indent}{}`];
  return entries.flatMap(([k, val]) => {
    const key = KEY.test(k) ? k : JSON.stringify(k);
    if (isScalar(val)) return [`${indent}${key}: ${scalar(val)}`];
    const inner = lines(val, indent + '  ');
    if (inner.length === 1 && /^\s*(\[\]|\{\})$/.test(inner[0])) return [`${indent}${key}: ${inner[0].trim()}`];
    return [`${indent}${key}:`, ...inner];
  });
}

export function toYaml(v: YamlValue): string {
  return lines(v, '').join('\n') + '\n';
}
