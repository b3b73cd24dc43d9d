/**
 * The OCR engine's language data: the project's own models
 * (ingest/models/<lang>.traineddata.gz, made by `npm run train:ocr`) or the
 * @tesseract.js-data npm packages. Nothing is fetched at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectScript } from '../adapters/files';

/** Where a language's traineddata comes from: the project's own model first, then its npm package; undefined when neither has it. */
export function languageSource(lang: string): string | undefined {
  try {
    return projectScript(path.join('ingest', 'models', `${lang}.traineddata.gz`));
  } catch {
    // not one of the project's models
  }
  try {
    return path.join(
      path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)),
      '4.0.0_best_int',
      `${lang}.traineddata.gz`,
    );
  } catch {
    return undefined;
  }
}

/**
 * Copies the traineddata of each language into `<cacheDir>/tessdata`. The copy
 * is named by the source's size and time, so a retrained model replaces an old copy.
 */
export function prepareLanguageData(cacheDir: string, langs: string[]): string {
  const dir = path.join(cacheDir, 'tessdata');
  fs.mkdirSync(dir, { recursive: true });
  for (const lang of langs) {
    const src = languageSource(lang);
    if (!src)
      throw new Error(
        `OCR language "${lang}" is not installed: add ingest/models/${lang}.traineddata.gz or the npm package @tesseract.js-data/${lang}`,
      );
    const dest = path.join(dir, `${lang}.traineddata.gz`);
    const stamp = `${dest}.source`;
    const { size, mtimeMs } = fs.statSync(src);
    const id = `${src} ${size} ${Math.round(mtimeMs)}`;
    if (fs.existsSync(dest) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === id) continue;
    fs.copyFileSync(src, `${dest}.partial-${process.pid}`);
    fs.renameSync(`${dest}.partial-${process.pid}`, dest);
    fs.writeFileSync(stamp, id);
  }
  return dir;
}
