import type { ReplayedAccount, ReplayedContact } from '@leadscore/engine';

/** One JSON line per contact, the documented replay output. */
export function replayJsonLine(contact: ReplayedContact): string {
  // A merged-away id has no score of its own: it stands for its root (docs/identity.md).
  if (contact.mergedInto !== undefined) {
    return JSON.stringify({ contactId: contact.contactId, mergedInto: contact.mergedInto, crossings: contact.crossings });
  }
  return JSON.stringify({
    contactId: contact.contactId,
    score: contact.score,
    // a grid with `scores`: every score with its groups, and the matrix's cell
    ...(contact.scores !== undefined && {
      scores: contact.scores.map(({ id, label, score, groups }) => ({ id, label, score, ...(groups.length > 0 && { groups }) })),
    }),
    ...(contact.grade !== undefined && { grade: contact.grade }),
    contributions: contact.contributions.map(({ ruleId, label, count, points }) => ({ ruleId, label, count, points })),
    crossings: contact.crossings,
  });
}

/** `engagement 50 (email 50), fit -100, grade C2`: a grid with `scores` shows every one on the contact's line. */
function scoresText(contact: ReplayedContact): string {
  if (contact.scores === undefined) return `score ${contact.score}`;
  const scores = contact.scores.map((s) => {
    const groups = s.groups.length === 0 ? '' : ` (${s.groups.map((g) => `${g.id} ${g.value}`).join(', ')})`;
    return `${s.id} ${s.score}${groups}`;
  });
  const grade =
    contact.grade === undefined ? '' : `, grade ${contact.grade.grade}${contact.grade.qualified ? ' (qualified)' : ''}`;
  return `${scores.join(', ')}${grade}`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A block per contact for people: score, contributions, crossings. */
export function replayTableBlock(contact: ReplayedContact): string {
  const lines = [
    contact.mergedInto === undefined
      ? `${contact.contactId}  ${scoresText(contact)}`
      : `${contact.contactId}  merged into ${contact.mergedInto}`,
  ];
  const idWidth = Math.max(4, ...contact.contributions.map((c) => c.ruleId.length));
  const labelWidth = Math.max(5, ...contact.contributions.map((c) => c.label.length));
  if (contact.contributions.length > 0) {
    lines.push(`  ${pad('rule', idWidth)}  ${pad('label', labelWidth)}  ${pad('count', 5, true)}  ${pad('points', 7, true)}`);
  }
  for (const c of contact.contributions) {
    lines.push(
      `  ${pad(c.ruleId, idWidth)}  ${pad(c.label, labelWidth)}  ${pad(String(c.count), 5, true)}  ${pad(String(c.points), 7, true)}`,
    );
  }
  for (const x of contact.crossings) {
    const cause = x.cause.kind === 'event' || x.cause.kind === 'merge' ? `${x.cause.kind} ${x.cause.eventId}` : x.cause.kind;
    const which = x.scoreId === undefined ? '' : `${x.scoreId} `;
    lines.push(`  crossed ${which}${x.threshold} (${x.at}) ${x.direction}: score ${x.score}, sequence ${x.sequence}, ${cause}`);
  }
  return lines.join('\n');
}

/** One JSON line per account (after the contacts' lines): told apart from them by `accountId`. */
export function replayAccountJsonLine(account: ReplayedAccount): string {
  return JSON.stringify({
    accountId: account.accountId,
    score: account.score,
    aggregate: account.aggregate,
    members: account.members,
    topMembers: account.topMembers,
    contributions: account.contributions.map(({ ruleId, label, points }) => ({ ruleId, label, points })),
    crossings: account.crossings,
  });
}

function accountCause(cause: ReplayedAccount['crossings'][number]['cause']): string {
  switch (cause.kind) {
    case 'member-score':
      return `score change of ${cause.contactId}`;
    case 'membership':
      return `${cause.contactId} moved (event ${cause.eventId})`;
    case 'account-event':
      return `account event ${cause.eventId}`;
  }
}

/** A block per account for people: score, aggregate, top members, rules, crossings. */
export function replayAccountTableBlock(account: ReplayedAccount): string {
  const members = `${account.members} member${account.members === 1 ? '' : 's'}`;
  const lines = [`account ${account.accountId}  score ${account.score}  (aggregate ${account.aggregate}, ${members})`];
  if (account.topMembers.length > 0) {
    lines.push(`  top members: ${account.topMembers.map((m) => `${m.contactId} ${m.score}`).join(', ')}`);
  }
  for (const c of account.contributions) lines.push(`  rule ${c.ruleId} (${c.label}): ${c.points}`);
  for (const x of account.crossings) {
    lines.push(
      `  crossed ${x.threshold} (${x.at}) ${x.direction}: score ${x.score}, sequence ${x.sequence}, ${accountCause(x.cause)}`,
    );
  }
  return lines.join('\n');
}
