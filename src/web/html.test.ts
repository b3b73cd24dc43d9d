import { html, joinHtml, raw } from './html';

test('values are escaped, HTML made by the tag is not', () => {
  const title = '<script>alert("x")</script> & «خطاب»';
  const link = html`<a href="/d/${'a"b'}">${title}</a>`;
  expect(link.value).toBe('<a href="/d/a&quot;b">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; «خطاب»</a>');
  expect(html`<li>${link}</li>`.value).toBe(`<li>${link.value}</li>`);
});

// The exact HTML is the point here: kept as written, not laid out by the formatter.
// prettier-ignore
test('lists, absent values and trusted strings', () => {
  expect(html`<ul>${['<a>', html`<b>b</b>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<b>b</b></ul>');
  expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
  expect(html`${raw('<mark>x</mark>')}`.value).toBe('<mark>x</mark>');
  expect(joinHtml(['a', html`<br>`, '<c>'], ' · ').value).toBe('a · <br> · &lt;c&gt;');
});
