/** The scanner room's printed sheets: the separator sheet and registry labels (numbers taken in advance). */
import { z } from 'zod';
import { MAX_LABELS } from '../../../storage/repos/labels';
import { labelsSchema } from '../sheets';
import { file, type Operation } from './spec';
import { registryNo } from './shapes';

const LABEL_HEADERS = {
  'X-Diwan-Label-First': 'The first registry number taken (as stored: 2026/000017)',
  'X-Diwan-Label-Last': 'The last registry number taken; every number between is taken too',
};

export const SHEETS_OPS: Operation[] = [
  {
    id: 'separatorSheet',
    method: 'get',
    path: '/api/v1/sheets/separator',
    tag: 'batches',
    summary: [
      'الصفحة الفاصلة بين رسائل الرزمة الممسوحة (PDF)',
      'The separator sheet put between the letters of a scanned stack (PDF)',
    ],
    ok: { 200: file('application/pdf', 'One A4 page with two QR codes of the separator marker; the same file every time') },
  },
  {
    id: 'registryLabels',
    method: 'post',
    path: '/api/v1/sheets/labels',
    tag: 'registry',
    summary: [
      'ملصقات أرقام قيد تُحجز مسبقًا (PDF، أو الأرقام JSON)',
      'Registry labels: numbers taken in advance, as sticker sheets (PDF) or, to Accept: application/json, the numbers',
    ],
    body: labelsSchema.meta({ description: `The register, and how many labels (1 to ${MAX_LABELS})` }),
    ok: {
      201: {
        description:
          'A4 sheets of 3 × 8 labels (70 × 37 mm), each with its number as QR code and text (ledger labels-allocated); ' +
          'to Accept: application/json, the numbers taken',
        schema: z.looseObject({ register: z.string(), year: z.number().int(), labels: z.array(registryNo) }),
        media: 'application/pdf',
        headers: LABEL_HEADERS,
      },
    },
    errors: ['bad_request', 'bad_label_count', 'unknown_register'],
  },
];
