/**
 * Search evaluation: do the queries people type find the right document, and
 * how does that compare with Meilisearch left at its defaults?
 *
 * 1. Builds an archive of registry letters: the OCR evaluation's twelve, and
 *    letters made from ministries and subjects (their text as OCR gives it
 *    when it reads well). Each gets a registry number, as Diwan gives them.
 * 2. Indexes them twice on one local Meilisearch: as Diwan does (one record
 *    per page, normalised and stemmed, search/index.ts), and raw (title, text,
 *    registry number, default settings).
 * 3. Runs queries written the way people type: without hamza, ta marbuta as
 *    ha, alef maqsura as ya, with the article or و/ب/ل in front, with
 *    diacritics, registry numbers in Arabic-Indic digits or without their
 *    zeros, decision numbers in the other digit style. Each query has the one
 *    document it should find.
 * 4. Prints recall@1, recall@3, recall@10 and MRR, per kind of query and
 *    overall, for both, and for Diwan's normalisation without its light
 *    stemming (to show whether the stemming earns its place).
 *
 * Usage: npm run eval:search [-- --out FILE.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Meilisearch } from 'meilisearch';
import { createSearchIndex, pageDocId } from '../../search/searchIndex';
import { normalizeArabic } from '../../search/normalize';
import type { DocumentRecord } from '../../storage/repos/documents';
import { registryNo } from '../../kernel/registry';
import { toArabicIndic } from '../../kernel/text';
import { pageRecords } from '../../search/records';
import { startMeilisearch } from '../../src/runtime/services/meilisearch';
import { randomSecret } from '../../src/runtime/services/util';
import { LETTERS } from './corpus';

const MINISTRIES = [
  'وزارة العمل',
  'وزارة الداخلية',
  'وزارة المالية',
  'وزارة الصحة',
  'وزارة التربية والتعليم',
  'وزارة العدل',
  'وزارة الزراعة',
  'وزارة النقل',
];

/** Subjects of made-up letters; each appears once in the archive. */
const SUBJECTS = [
  'طلب إجازة مرضية لمدة أسبوع',
  'ترقية الموظفين المستحقين للدرجة الأولى',
  'تأمين أجهزة حاسوب للمديرية',
  'صيانة مبنى الأرشيف المركزي',
  'إنهاء خدمة متعاقد لبلوغه السن القانونية',
  'اعتماد الخطة السنوية للتدريب',
  'مخالفة أنظمة السلامة في المستودع',
  'تسوية أوضاع العاملين بالأجر اليومي',
  'استئجار مقر لمكتب البريد',
  'تعديل ساعات الدوام في شهر رمضان',
  'مكافأة نهاية الخدمة للمتقاعدين',
  'توريد مستلزمات مكتبية وقرطاسية',
  'إيفاد موظف إلى دورة خارجية',
  'تشكيل لجنة لجرد الأصول الثابتة',
  'الموافقة على نقل موظفة إلى فرع آخر',
  'تأجيل موعد الامتحانات النهائية',
  'شكوى مواطن من تأخر معاملته',
  'تجديد عقد تنظيف المباني',
  'مراجعة مؤشرات الأداء الربعية',
  'إصدار بدل فاقد لرخصة قيادة',
];

interface EvalDoc {
  key: string;
  title: string;
  lines: string[];
  registryNo: string;
  decision: string;
}

function archive(): EvalDoc[] {
  const docs: EvalDoc[] = LETTERS.map((l, i) => ({
    key: l.id,
    title: (l.lines.find((x) => x.startsWith('الموضوع:')) ?? l.lines[0]!).replace('الموضوع: ', ''),
    lines: l.lines,
    registryNo: registryNo({ year: 2026, seq: 101 + i * 7 }),
    decision: /قرار رقم (\d+\/\d+)/.exec(l.lines.join(' '))?.[1] ?? '',
  }));
  SUBJECTS.forEach((subject, i) => {
    const decision = `${100 + i * 37}/${2018 + (i % 8)}`;
    docs.push({
      key: `made-${i + 1}`,
      title: subject,
      lines: [
        MINISTRIES[i % MINISTRIES.length]!,
        `الموضوع: ${subject}`,
        `إشارة إلى قرار رقم ${decision} نرجو التكرم بالاطلاع`,
        'مع فائق الاحترام والتقدير',
      ],
      registryNo: registryNo({ year: 2025 + (i % 2), seq: 3 + i * 11 }),
      decision,
    });
  });
  return docs;
}

type Kind = 'spelling' | 'prefix' | 'diacritics' | 'registry-indic' | 'registry-short' | 'decision-digits' | 'phrase';

interface Query {
  q: string;
  kind: Kind;
  expect: string;
}

/** How people misspell: no hamza on alef, ha for ta marbuta, ya for alef maqsura. */
const loose = (s: string) => s.replace(/[أإآ]/g, 'ا').replace(/ة/g, 'ه').replace(/ى/g, 'ي');
const DIACRITIC = '\u064E'; // fatha

function queries(docs: EvalDoc[]): Query[] {
  const out: Query[] = [];
  for (const d of docs) {
    const words = d.title.split(' ').filter((w) => w.length >= 4 && !/^(على|إلى|لمدة|بشأن)$/.test(w));
    const [a, b] = [words[0], words[1] ?? words[0]];
    if (a && b) {
      out.push({ q: loose(`${a} ${b}`), kind: 'spelling', expect: d.key });
      const bare = (w: string) => w.replace(/^ال/, '');
      out.push({ q: `و${bare(a).startsWith('ال') ? bare(a) : `ال${bare(a)}`} ${b}`, kind: 'prefix', expect: d.key });
      out.push({ q: `${[...a].join(DIACRITIC)} ${b}`, kind: 'diacritics', expect: d.key });
      out.push({ q: d.title, kind: 'phrase', expect: d.key });
    }
    out.push({ q: toArabicIndic(d.registryNo), kind: 'registry-indic', expect: d.key });
    out.push({ q: `${d.registryNo.slice(0, 4)}/${Number(d.registryNo.slice(5))}`, kind: 'registry-short', expect: d.key });
    if (d.decision) out.push({ q: `قرار ${toArabicIndic(d.decision)}`, kind: 'decision-digits', expect: d.key });
  }
  return out;
}

interface Scores {
  n: number;
  at1: number;
  at3: number;
  at10: number;
  mrr: number;
}

function score(ranks: Array<number | undefined>): Scores {
  const n = ranks.length;
  const hit = (k: number) => ranks.filter((r) => r !== undefined && r <= k).length / n;
  return { n, at1: hit(1), at3: hit(3), at10: hit(10), mrr: ranks.reduce<number>((s, r) => s + (r ? 1 / r : 0), 0) / n };
}

function fakeDocument(d: EvalDoc, i: number): DocumentRecord {
  const [year, seq] = d.registryNo.split('/').map(Number) as [number, number];
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    register: 'incoming',
    externalRef: null,
    externalDate: null,
    correspondentId: null,
    referralState: 'none',
    referralDue: null,
    year,
    seq,
    registryNo: d.registryNo,
    batchId: null,
    uploadedBy: null,
    textLayer: false,
    textVersion: 1,
    title: d.title,
    docType: 'letter',
    department: null,
    classification: 'public',
    docDate: null,
    correspondent: null,
    originalName: `${d.key}.jpg`,
    originalMime: 'image/jpeg',
    originalExt: 'jpg',
    originalSize: 0,
    originalSha256: '',
    status: 'archived',
    pageCount: 1,
    errorCode: null,
    errorMessage: null,
    stages: {},
    createdAt: new Date(Date.UTC(year, 0, 1) + seq * 60_000).toISOString(),
    updatedAt: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const outFile = outIdx >= 0 ? process.argv[outIdx + 1] : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-search-eval-'));
  const key = randomSecret();
  const meili = await startMeilisearch({ dataDir: dir, cacheDir: path.join(dir, 'cache'), masterKey: key });
  try {
    const docs = archive();
    const qs = queries(docs);
    process.stderr.write(`${docs.length} documents, ${qs.length} queries; Meilisearch at ${meili.url}\n`);

    const diwan = createSearchIndex({ url: meili.url, key, index: 'diwan' });
    await diwan.ensureIndex();
    const byId = new Map<string, string>();
    for (const [i, d] of docs.entries()) {
      const doc = fakeDocument(d, i);
      byId.set(doc.id, d.key);
      const page = { n: 1, width: 2480, height: 3508, text: d.lines.join('\n'), confidence: 90, words: [] };
      await diwan.indexDocument(doc.id, pageRecords(doc, [page], 60));
    }

    // The baseline: the same pages, Meilisearch's default settings, the query sent as typed.
    const client = new Meilisearch({ host: meili.url, apiKey: key });
    await client.createIndex('raw', { primaryKey: 'id' }).waitTask({ timeout: 60_000 });
    const raw = client.index<{ id: string; key: string; title: string; text: string; registryNo: string }>('raw');
    const rawTask = await raw
      .addDocuments(
        docs.map((d, i) => ({
          id: pageDocId(fakeDocument(d, i).id, 1),
          key: d.key,
          title: d.title,
          text: d.lines.join('\n'),
          registryNo: d.registryNo,
        })),
      )
      .waitTask({ timeout: 60_000 });
    if (rawTask.status !== 'succeeded') throw new Error('raw indexing failed');

    // Normalised but not stemmed: what the light stemming adds.
    await client.createIndex('norm', { primaryKey: 'id' }).waitTask({ timeout: 60_000 });
    const norm = client.index<{ id: string; key: string; titleNorm: string; textNorm: string }>('norm');
    await norm
      .updateSettings({
        searchableAttributes: ['titleNorm', 'textNorm'],
        localizedAttributes: [{ attributePatterns: ['*'], locales: ['ara'] }],
      })
      .waitTask({ timeout: 60_000 });
    const normTask = await norm
      .addDocuments(
        docs.map((d, i) => ({
          id: pageDocId(fakeDocument(d, i).id, 1),
          key: d.key,
          titleNorm: normalizeArabic(d.title),
          textNorm: normalizeArabic(d.lines.join('\n')),
        })),
      )
      .waitTask({ timeout: 60_000 });
    if (normTask.status !== 'succeeded') throw new Error('normalised indexing failed');
    const rankNorm: Array<number | undefined> = [];

    const rankDiwan: Array<number | undefined> = [];
    const rankRaw: Array<number | undefined> = [];
    const rows: Array<Query & { diwan?: number; raw?: number }> = [];
    for (const q of qs) {
      const d = await diwan.search({ q: q.q, filters: {}, sort: 'relevance', limit: 10, offset: 0, clearance: 'secret' });
      const dr = d.hits.findIndex((h) => byId.get(h.documentId) === q.expect);
      const r = await raw.search(q.q, { limit: 10 });
      const rr = r.hits.findIndex((h) => h.key === q.expect);
      const n = await norm.search(normalizeArabic(q.q), { limit: 10, matchingStrategy: 'all', locales: ['ara'] });
      const nr = n.hits.findIndex((h) => h.key === q.expect);
      rankNorm.push(nr >= 0 ? nr + 1 : undefined);
      rankDiwan.push(dr >= 0 ? dr + 1 : undefined);
      rankRaw.push(rr >= 0 ? rr + 1 : undefined);
      rows.push({ ...q, diwan: dr >= 0 ? dr + 1 : undefined, raw: rr >= 0 ? rr + 1 : undefined });
    }

    const kinds = [...new Set(qs.map((q) => q.kind))];
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const table: string[][] = [
      ['queries', 'n', 'Diwan @1', '@3', '@10', 'MRR', 'unstemmed @3', 'MRR', 'raw @1', '@3', '@10', 'MRR'],
    ];
    const line = (label: string, idx: number[]) => {
      const a = score(idx.map((i) => rankDiwan[i]));
      const c = score(idx.map((i) => rankNorm[i]));
      const b = score(idx.map((i) => rankRaw[i]));
      table.push([
        label,
        String(a.n),
        pct(a.at1),
        pct(a.at3),
        pct(a.at10),
        a.mrr.toFixed(3),
        pct(c.at3),
        c.mrr.toFixed(3),
        pct(b.at1),
        pct(b.at3),
        pct(b.at10),
        b.mrr.toFixed(3),
      ]);
    };
    for (const k of kinds)
      line(
        k,
        qs.flatMap((q, i) => (q.kind === k ? [i] : [])),
      );
    line(
      'overall',
      qs.map((_, i) => i),
    );
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    const text = table
      .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
      .join('\n');
    const missed = rows.filter((r) => r.diwan === undefined || r.diwan > 3);
    process.stdout.write(
      `\nSearch evaluation: ${docs.length} documents, ${qs.length} queries (Diwan beside Meilisearch with default settings)\n${text}\n`,
    );
    process.stdout.write(
      missed.length === 0
        ? "every query found its document in Diwan's top 3\n"
        : `not in Diwan's top 3:\n${missed.map((m) => `  [${m.kind}] ${m.q} -> ${m.diwan ?? 'not found'}`).join('\n')}\n`,
    );
    if (outFile) fs.writeFileSync(outFile, `${JSON.stringify({ documents: docs.length, rows }, null, 2)}\n`);
  } finally {
    await meili.process.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
