/**
 * A message's body read back word by word, on the real services: its PDF rendition draws a long paragraph
 * as a picture with the text written invisibly over it, squeezed into the picture's width; the archive
 * reads that text back (pdf.js) to index it. A word in the middle of a line, Arabic or Latin, is found by
 * search, and the page's text keeps the words apart.
 */
import { startTestServer, type TestServer } from './helpers';
import { eml } from './imap/eml';

jest.setTimeout(180_000);

let server: TestServer;

/** Words found only in the middle of the body's paragraph. */
const ARABIC_WORD = 'الهيل';
const LATIN_WORD = 'saffron';
const BODY = [
  'السلام عليكم ورحمة الله وبركاته، نحيطكم علماً بأن الشحنة رقم ٤٥ وصلت إلى المستودع الرئيسي صباح اليوم',
  `وتحتوي على كميات من ${ARABIC_WORD} والبن والقرفة وعينات من ${LATIN_WORD} المستورد، ونرجو منكم التكرم بالاطلاع عليها`,
  'وإفادتنا بملاحظاتكم قبل نهاية الأسبوع القادم حتى نتمكن من استكمال إجراءات التخليص الجمركي في موعدها.',
].join(' ');

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

test("a word in the middle of a message's long line is found by search", async () => {
  const message = eml({
    from: { name: 'مؤسسة الواحة للتوريد', address: 'orders@alwaha.test' },
    to: 'diwan@ministry.test',
    subject: 'وصول شحنة التوابل',
    date: new Date('2026-04-12T06:00:00Z'),
    messageId: 'shipment-45@alwaha.test',
    text: BODY,
  });
  const res = await server.upload(message, 'shipment.eml');
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const doc = await server.waitFor(id);
  expect(doc.status).toBe('archived');

  // The page's text holds the body's words apart, in the order they were written.
  const text = doc.pages.map((p) => p.text).join('\n');
  expect(text).toContain(`كميات من ${ARABIC_WORD} والبن`);
  expect(text).toContain(`من ${LATIN_WORD} المستورد`);

  for (const q of [ARABIC_WORD, LATIN_WORD]) {
    const found = (await (await server.api(`/api/v1/search?${new URLSearchParams({ q })}`)).json()) as {
      hits: Array<{ id: string }>;
    };
    expect(found.hits.map((h) => h.id)).toEqual([id]);
  }
});
