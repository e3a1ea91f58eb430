/** Instants as the events carry them: ISO 8601 strings. */

/** The later of two instants; null when neither is given. */
export const later = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : Date.parse(b) > Date.parse(a) ? b : a);
