/** Classification levels of documents, which are also the clearance levels of people, lowest first. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'secret'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Whether `c` is one of the known levels. */
export const isClassification = (c: string): c is Classification => (CLASSIFICATIONS as readonly string[]).includes(c);

/**
 * A level's rank (0 for public). An unknown level ranks above secret: it fails
 * closed, so no clearance reaches it (only an administrator sees such a document).
 */
export const clearanceRank = (c: string): number => (isClassification(c) ? CLASSIFICATIONS.indexOf(c) : CLASSIFICATIONS.length);
