import { ErrorCode } from '@leadscore/errors';
import { HttpError } from '@leadscore/service-kit';

/** A request's query string as Fastify parses it (a repeated parameter is an array). */
export type Query = Record<string, string | string[] | undefined>;

/** The most entries one leaderboard answer lists (`limit`, and `top` once turned into a count). */
export const MAX_LEADERBOARD = 1000;

/**
 * How many entries a leaderboard request asks for: `?limit=1..1000` (default 20), or `?top=20%`,
 * the top share of everything ranked (`ceil(share × size)`, at most 1000). The contacts' and the
 * accounts' boards take the same parameters and refuse the same mistakes, with the same paths.
 * @throws HttpError 400 INVALID_REQUEST naming `query.limit` or `query.top`
 */
export async function boardLimit(query: Query, size: () => Promise<number>): Promise<{ limit: number; top?: string }> {
  if (query['limit'] !== undefined && query['top'] !== undefined) {
    throw new HttpError(400, ErrorCode.InvalidRequest, 'use either limit or top, not both', [
      { path: 'query.top', message: 'cannot be combined with limit' },
    ]);
  }
  if (query['top'] === undefined) return { limit: intParam(query, 'limit', 20, 1, MAX_LEADERBOARD) };
  const percent = percentParam(query, 'top');
  return { limit: Math.min(MAX_LEADERBOARD, Math.ceil((percent / 100) * (await size()))), top: `${percent}%` };
}

/**
 * Which score a leaderboard request ranks: `?score=<id>`, one of the running grid's scores
 * (`known`, in the grid's order); the first when absent.
 * @throws HttpError 400 INVALID_REQUEST naming `query.score` for an id the grid has no score of
 */
export function scoreParam(query: Query, known: readonly string[]): string {
  const raw = single(query, 'score');
  if (raw === undefined) return known[0]!;
  if (!known.includes(raw)) {
    const list = known.map((id) => JSON.stringify(id)).join(', ');
    throw new HttpError(400, ErrorCode.InvalidRequest, `the grid has no score ${JSON.stringify(raw)}; its scores are ${list}`, [
      { path: 'query.score', message: `must be one of ${list}` },
    ]);
  }
  return raw;
}

/** @throws HttpError 400 INVALID_REQUEST naming `params.<param>` unless the id has 1-128 characters */
export function checkId(id: string, param: string, what: string): string {
  if (id.length < 1 || id.length > 128) {
    throw new HttpError(400, ErrorCode.InvalidRequest, `the ${what} id must be 1-128 characters`, [
      { path: `params.${param}`, message: `must be 1-128 characters, got ${id.length}` },
    ]);
  }
  return id;
}

/** @throws HttpError 400 INVALID_REQUEST naming `query.<name>` unless it is an integer from min to max */
export function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(
      400,
      ErrorCode.InvalidRequest,
      `query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      [{ path: `query.${name}`, message: `must be an integer from ${min} to ${max}` }],
    );
  }
  return value;
}

function percentParam(query: Query, name: string): number {
  const raw = single(query, name) ?? '';
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(raw.trim());
  const value = match ? Number(match[1]) : NaN;
  if (!(value > 0 && value <= 100)) {
    throw new HttpError(
      400,
      ErrorCode.InvalidRequest,
      `query parameter ${name} must be a percentage above 0 and at most 100, like 20%, got ${JSON.stringify(raw)}`,
      [{ path: `query.${name}`, message: 'must be a percentage above 0 and at most 100, like 20%' }],
    );
  }
  return value;
}

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value))
    throw new HttpError(400, ErrorCode.InvalidRequest, `query parameter ${name} is given more than once`, [
      { path: `query.${name}`, message: 'must be given once' },
    ]);
  return value;
}
