import { safeNext } from './login';

test('a sign-in goes on only to a path of this site', () => {
  expect(safeNext('/documents/1?x=%2F')).toBe('/documents/1?x=%2F');
  // A browser drops tabs and line breaks and reads "\" as "/": each of these would leave the site.
  for (const away of ['/\t/evil.example', '/\n/evil.example', '/\r/evil.example', '/\\evil.example', '/a\\..\\x', '/\u007f']) {
    expect(safeNext(away)).toBe('/search');
  }
  for (const away of ['//evil.example', 'https://evil.example', 'evil', '', undefined, ['/a']]) {
    expect(safeNext(away)).toBe('/search');
  }
});
