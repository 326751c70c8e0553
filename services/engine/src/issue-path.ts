/** Paths in our style: `rules[3].tiers[1].atLeast`, `where["utm source"]` for odd keys. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const segment = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
  if (segment.startsWith('"')) return `${base}[${segment}]`;
  return base === '' ? segment : `${base}.${segment}`;
}

/** Converts an ajv/JSON-pointer instance path (`/rules/3/tiers/1`) into our style. */
export function fromJsonPointer(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<string>((path, seg) => joinPath(path, /^(0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : seg), '');
}

/** Orders paths as a reader meets them in the file: numeric indexes numerically. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split(/[.[\]]+/).filter((s) => s !== '');
  const pb = b.split(/[.[\]]+/).filter((s) => s !== '');
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isInteger(nx) && Number.isInteger(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A short description of a value for messages: `"abc"`, `12`, `a list`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    default:
      return 'an object';
  }
}
