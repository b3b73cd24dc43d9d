import { cleanLine, htmlToText, looksLikeMessageHead, shownAddress } from './mailText';

const head = (s: string, whole = true) => looksLikeMessageHead(Buffer.from(s, 'utf8'), whole);

describe('a message is told from its first bytes', () => {
  it('takes a header block ended by a blank line, folded lines and raw UTF-8 values included', () => {
    const message = [
      'Return-Path: <a@x.test>',
      'Received: from mx.x.test by mail.y.test;',
      '\tMon, 2 Mar 2026 10:00:00 +0300',
      'From: أحمد <a@x.test>',
      'Subject: =?UTF-8?B?2LfZhNio?=',
      'X-Mailer: Thunderbird',
      '',
      'body',
    ].join('\r\n');
    expect(head(message)).toBe(true);
    expect(head(message.replace(/\r\n/g, '\n'))).toBe(true);
  });

  it('refuses text that only starts like one, one known field, a block with no end, and a continuation first', () => {
    expect(head('Dear sir: thank you\nfor your letter\n\nregards')).toBe(false);
    expect(head('Subject: hello\nX-Note: a\n\nbody')).toBe(false);
    expect(head('From: a@x.test\nDate: Mon, 2 Mar 2026 10:00:00 +0300\nTo: b@y.test', false)).toBe(false);
    expect(head(' From: a@x.test\nDate: today\n\n')).toBe(false);
    expect(head('From: a@x.test\nDate: today\nBad line without colon\n\nbody')).toBe(false);
    expect(head('From: a@x.test\nDate: to\u0001day\n\nbody')).toBe(false);
  });

  it('takes a file that is only headers', () => {
    expect(head('From: a@x.test\nDate: Mon, 2 Mar 2026 10:00:00 +0300')).toBe(true);
  });
});

describe('an HTML body as text', () => {
  it('keeps paragraphs and breaks, bullets list items, drops styles, scripts and comments, decodes entities', () => {
    const html =
      '<html><head><title>x</title><style>p{color:red}</style></head><body><!-- hidden -->' +
      '<p>السلام&nbsp;عليكم</p><div>Line one<br>Line two</div><ul><li>first</li><li>second &amp; third</li></ul>' +
      '<script>alert(1)</script><p>&#1604;&#x627; &laquo;bye&raquo;</p></body></html>';
    expect(htmlToText(html)).toBe('السلام عليكم\n\nLine one\nLine two\n\n• first\n• second & third\n\nلا «bye»');
  });

  it('survives unclosed tags and comments', () => {
    expect(htmlToText('a<b')).toBe('a');
    expect(htmlToText('a<!-- never closed')).toBe('a');
    expect(htmlToText('a<style>never closed')).toBe('a');
  });
});

it('cleans a header value to one plain line', () => {
  expect(cleanLine('  طلب\u202e  تجديد\r\n\tالترخيص ', 300)).toBe('طلب تجديد الترخيص');
  expect(cleanLine('\u0000\u202e', 300)).toBeNull();
  expect(cleanLine('abcdef', 3)).toBe('abc');
});

it('shows an address with its name cleaned, so a direction override never reaches the PDF', () => {
  // U+202E draws what follows it backwards: a name or an address could pass for another's.
  expect(shownAddress({ name: 'البنك\u202e الأهلي\u2066', address: 'ceo@bank.test\u202c' })).toBe('البنك الأهلي <ceo@bank.test>');
  expect(shownAddress({ name: '\u202e', address: 'a@x.test' })).toBe('a@x.test');
  expect(shownAddress({ name: 'أحمد', address: '' })).toBe('أحمد');
  expect(shownAddress({ name: '', address: '\u0000' })).toBeNull();
});
