import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));

// The engine is pure: no I/O, no logger, no clock (time is always an argument).
const FORBIDDEN: [string, RegExp][] = [
  [
    'Node I/O or network modules',
    /from ['"](node:)?(fs|fs\/promises|net|http|https|http2|dgram|child_process|worker_threads|readline)['"]/,
  ],
  ['Kafka, Redis or logger clients', /from ['"](kafkajs|ioredis|redis|pino|winston)['"]/],
  ['process', /\bprocess\./],
  ['reading the clock', /Date\.now\(|new Date\(\)|performance\.now\(/],
  ['randomness', /Math\.random\(/],
];

describe('engine purity', () => {
  it.each(files)('%s has no I/O, clock or randomness', (file) => {
    const text = readFileSync(`${SRC}${file}`, 'utf8');
    for (const [what, pattern] of FORBIDDEN) {
      expect(pattern.test(text), `${file} uses ${what}`).toBe(false);
    }
  });
});
