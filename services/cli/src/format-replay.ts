import type { ReplayedContact } from '@leadscore/engine';

/** One JSON line per contact, the documented replay output. */
export function replayJsonLine(contact: ReplayedContact): string {
  return JSON.stringify({
    contactId: contact.contactId,
    score: contact.score,
    contributions: contact.contributions.map(({ ruleId, label, count, points }) => ({ ruleId, label, count, points })),
    crossings: contact.crossings,
  });
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A block per contact for people: score, contributions, crossings. */
export function replayTableBlock(contact: ReplayedContact): string {
  const lines = [`${contact.contactId}  score ${contact.score}`];
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
    const cause = x.cause.kind === 'event' ? `event ${x.cause.eventId}` : x.cause.kind;
    lines.push(`  crossed ${x.threshold} (${x.at}) ${x.direction}: score ${x.score}, sequence ${x.sequence}, ${cause}`);
  }
  return lines.join('\n');
}
