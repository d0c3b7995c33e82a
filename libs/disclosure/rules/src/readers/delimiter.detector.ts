export type Delimiter = ',' | ';' | '\t';

export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

export type FirstLine = { counts: Record<Delimiter, number>; complete: boolean };

/** Counts candidate delimiters outside quotes in the first line of `text`. */
export const scanFirstLine = (text: string): FirstLine => {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return { counts, complete: true };
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  return { counts, complete: false };
};

/** The most frequent delimiter of the first line; ties go to `preferred`, then comma, semicolon, tab. */
export const chooseDelimiter = (counts: Record<Delimiter, number>, preferred: Delimiter = ','): Delimiter => {
  const order = [preferred, ...DELIMITERS.filter((d) => d !== preferred)];
  return order.reduce((best, d) => (counts[d] > counts[best] ? d : best), order[0]);
};
