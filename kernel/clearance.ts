/** Classification levels of documents, which are also the clearance levels of people, lowest first. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'secret'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** A level's rank (0 for public); an unknown level ranks as public. */
export const clearanceRank = (c: string): number => Math.max(0, CLASSIFICATIONS.indexOf(c as Classification));
