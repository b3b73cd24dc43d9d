/**
 * `--from`: the option parses, and the starting model must share Debian's
 * character set and recoder (the shipped number model does; a model with
 * another unicharset is refused). Skipped where Debian's Arabic is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { COMPONENT, component, readTraineddata, withComponent, writeTraineddata } from './tessdata';
import { DEBIAN_TESSDATA } from './tools';
import { parseOptions, startingModel } from './train';

const arabic = path.join(DEBIAN_TESSDATA, 'Arabic.traineddata');
const shipped = path.resolve(__dirname, '..', '..', 'ingest', 'models', 'diwan_ara.traineddata.gz');
const haveBoth = fs.existsSync(arabic) && fs.existsSync(shipped);

describe('train.ts --from', () => {
  it('parses --from FILE and --from=FILE beside the numeric options', () => {
    expect(parseOptions(['--from', 'a.traineddata.gz', '--seed', '2'])).toMatchObject({ from: 'a.traineddata.gz', seed: 2 });
    expect(parseOptions(['--from=b.traineddata']).from).toBe('b.traineddata');
    expect(parseOptions([]).from).toBeUndefined();
    expect(() => parseOptions(['--from'])).toThrow(/needs a file/);
  });

  (haveBoth ? it : it.skip)('accepts the shipped model (gzipped or plain) and refuses another unicharset', () => {
    const base = readTraineddata(fs.readFileSync(arabic));
    const fromGz = startingModel(shipped, base);
    expect(component(fromGz, COMPONENT.lstm, 'lstm').length).toBeGreaterThan(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-from-'));
    try {
      const plain = path.join(dir, 'plain.traineddata');
      fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(shipped)));
      expect(component(startingModel(plain, base), COMPONENT.lstm, 'lstm')).toEqual(component(fromGz, COMPONENT.lstm, 'lstm'));
      const other = path.join(dir, 'other.traineddata');
      const charset = component(fromGz, COMPONENT.lstmUnicharset, 'lstm-unicharset');
      fs.writeFileSync(
        other,
        writeTraineddata(withComponent(fromGz, COMPONENT.lstmUnicharset, Buffer.concat([charset, Buffer.from('x')]))),
      );
      expect(() => startingModel(other, base)).toThrow(/lstm-unicharset differs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
