import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/** A path in the grid document: keys and sequence indexes (`['rules', 3, 'tiers', 1, 'points']`). */
export type DocPath = readonly (string | number)[];

/**
 * Text edits of a grid file that touch only the bytes of what changed. The `yaml` Document API
 * keeps comments, but its `toString` re-folds long lines and re-pads flow collections, so a
 * grid saved unchanged would not stay byte-identical; instead each edit patches the source
 * text at the node ranges the parser reports, and everything else is left as written.
 */
export function parseGridDocument(text: string): Document.Parsed {
  return parseDocument(text, { uniqueKeys: true, keepSourceTokens: false });
}

/** A scalar as YAML text: plain when that reads back the same, else JSON's double-quoted form (valid YAML). */
export function scalarText(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const plain =
    /^[A-Za-z_/][A-Za-z0-9 _./()+-]*$/.test(value) && !/\s$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

function nodeAt(document: Document.Parsed, path: DocPath): Node | undefined {
  const node = document.getIn(path, true);
  return node === undefined || node === null ? undefined : (node as Node);
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair<Node, Node> | undefined;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl;
}

/** The end of the last non-blank character before `at` (collection ranges may run past their newline). */
function contentEnd(text: string, at: number): number {
  let i = at;
  while (i > 0 && /\s/.test(text[i - 1]!)) i -= 1;
  return i;
}

/** Sets a value at `path`: replaces an existing scalar, or adds the key to its map. */
export function setValue(text: string, path: DocPath, value: string | number | boolean): string {
  const document = parseGridDocument(text);
  const existing = nodeAt(document, path);
  if (existing && isScalar(existing) && existing.range) {
    return splice(text, existing.range[0], existing.range[1], scalarText(value));
  }
  if (existing) throw new RangeError(`${path.join('.')} is not a single value`);
  return addKey(text, document, path.slice(0, -1), String(path[path.length - 1]), scalarText(value));
}

/** Adds `key: <valueText>` to the map at `mapPath` (flow maps inline, block maps as a new line). */
export function addKey(text: string, document: Document.Parsed, mapPath: DocPath, key: string, valueText: string): string {
  const map = mapPath.length === 0 ? document.contents : nodeAt(document, mapPath);
  if (!isMap(map) || !map.range) throw new RangeError(`${mapPath.join('.') || 'the document'} is not a map`);
  const last = map.items[map.items.length - 1] as Pair<Node, Node> | undefined;
  const lastEnd = last ? ((last.value ?? last.key) as Node).range![1] : undefined;
  if (map.flow) {
    if (lastEnd === undefined) {
      const close = text.lastIndexOf('}', map.range[1]);
      return splice(text, close, close, `${key}: ${valueText}`);
    }
    return splice(text, lastEnd, lastEnd, `, ${key}: ${valueText}`);
  }
  const first = map.items[0] as Pair<Node, Node> | undefined;
  if (!first || lastEnd === undefined) throw new RangeError('cannot add to an empty block map');
  const keyStart = (first.key as Node).range![0];
  const indent = ' '.repeat(keyStart - lineStart(text, keyStart));
  const at = lineEnd(text, contentEnd(text, lastEnd));
  const body = valueText.includes('\n') ? valueText.replace(/\n/g, `\n${indent}`) : valueText;
  return splice(text, at, at, `\n${indent}${key}:${body.startsWith('\n') ? '' : ' '}${body}`);
}

/** Removes the key at `path` from its map (the whole line(s) of a block pair, the pair and a comma in a flow map). */
export function removeKey(text: string, path: DocPath): string {
  const document = parseGridDocument(text);
  const map = path.length === 1 ? document.contents : nodeAt(document, path.slice(0, -1));
  if (!isMap(map)) throw new RangeError(`${path.slice(0, -1).join('.')} is not a map`);
  const pair = pairOf(map, String(path[path.length - 1]));
  if (!pair) return text;
  const start = (pair.key as Node).range![0];
  const end = ((pair.value ?? pair.key) as Node).range![1];
  if (map.flow) {
    const after = /^\s*,\s*/.exec(text.slice(end));
    if (after) return splice(text, start, end + after[0].length, '');
    const before = /,\s*$/.exec(text.slice(0, start));
    return splice(text, before ? start - before[0].length : start, end, '');
  }
  const from = lineStart(text, start);
  const to = lineEnd(text, contentEnd(text, end));
  return splice(text, from, Math.min(text.length, to + 1), '');
}

/**
 * The text block of one block-sequence item: from its `-` line (with the comment lines right
 * above it, which describe it) through its last line, newline included.
 */
function itemBlock(text: string, seq: YAMLSeq, index: number): { start: number; end: number } {
  const item = seq.items[index] as Node;
  let dash = item.range![0];
  while (dash > 0 && text[dash - 1] !== '-') dash -= 1;
  let start = lineStart(text, dash - 1);
  for (;;) {
    if (start === 0) break;
    const prev = lineStart(text, start - 1);
    if (!text.slice(prev, start).trim().startsWith('#')) break;
    start = prev;
  }
  const last = lineEnd(text, contentEnd(text, item.range![1]));
  return { start, end: Math.min(text.length, last + 1) };
}

function blockSeq(document: Document.Parsed, path: DocPath): YAMLSeq {
  const seq = nodeAt(document, path);
  if (!isSeq(seq) || seq.flow) throw new RangeError(`${path.join('.')} is not a block list`);
  return seq;
}

/** Removes item `index` of the block list at `path`, with its comments and one blank line before it. */
export function removeItem(text: string, path: DocPath, index: number): string {
  const seq = blockSeq(parseGridDocument(text), path);
  if (index < 0 || index >= seq.items.length) throw new RangeError(`no item ${index} in ${path.join('.')}`);
  const block = itemBlock(text, seq, index);
  const { end } = block;
  let { start } = block;
  if (start >= 2 && text.slice(lineStart(text, start - 1), start).trim() === '') start = lineStart(text, start - 1);
  return splice(text, start, end, '');
}

/** Swaps items `index` and `index + 1` of the block list at `path` (each with its comments). */
export function swapItems(text: string, path: DocPath, index: number): string {
  const seq = blockSeq(parseGridDocument(text), path);
  if (index < 0 || index + 1 >= seq.items.length) throw new RangeError(`cannot move item ${index} of ${path.join('.')}`);
  const a = itemBlock(text, seq, index);
  const b = itemBlock(text, seq, index + 1);
  const between = text.slice(a.end, b.start);
  return text.slice(0, a.start) + text.slice(b.start, b.end) + between + text.slice(a.start, a.end) + text.slice(b.end);
}

/**
 * Inserts `itemText` (YAML of one item, without the dash, lines after the first unindented) as
 * item `index` of the block list at `path` (at the end when index is the length).
 */
export function insertItem(text: string, path: DocPath, index: number, itemText: string, blankLineBefore = false): string {
  const seq = blockSeq(parseGridDocument(text), path);
  if (seq.items.length === 0) throw new RangeError(`${path.join('.')} is empty`);
  const ref = itemBlock(text, seq, Math.min(index, seq.items.length - 1));
  const firstItem = seq.items[0] as Node;
  let dash = firstItem.range![0];
  while (dash > 0 && text[dash - 1] !== '-') dash -= 1;
  const indent = ' '.repeat(dash - 1 - lineStart(text, dash - 1));
  const body = itemText.replace(/\n/g, `\n${indent}  `);
  const block = `${blankLineBefore ? '\n' : ''}${indent}- ${body}\n`;
  if (index >= seq.items.length) {
    const end = ref.end;
    const needsNewline = end > 0 && text[end - 1] !== '\n';
    return splice(text, end, end, `${needsNewline ? '\n' : ''}${block}`);
  }
  return splice(text, ref.start, ref.start, block);
}
