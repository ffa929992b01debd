/**
 * TEXT mode on labels rendered with sharp (SVG text in Liberation Sans, which CI installs; fontconfig falls back to
 * another sans face elsewhere). Goal: character error rate ≤ 5% over the whole set, spaces included; an image
 * without text answers empty text with low confidence.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextReader } from '../src/index';
import { textureFiles } from './fixtures.helper';

interface Label {
  lines: string[];
  size: number;
  fg: string;
  bg: string;
}

const LABELS: Label[] = [
  { lines: ['LOT 4821-B'], size: 36, fg: 'black', bg: 'white' },
  { lines: ['Best before 12/2027'], size: 32, fg: 'black', bg: 'white' },
  { lines: ['SERIAL NO. X7Q-3390'], size: 30, fg: '#202020', bg: '#f4f0e0' },
  { lines: ['Pressure: 2.5 bar'], size: 28, fg: 'black', bg: 'white' },
  { lines: ['GATE 7 CLOSED'], size: 40, fg: 'white', bg: '#1a3a8a' },
  { lines: ['Pallet 0042', 'Bay C'], size: 30, fg: 'black', bg: 'white' },
  { lines: ['MAX LOAD 500 KG'], size: 26, fg: '#b00000', bg: 'white' },
  { lines: ['temp 21.4 C'], size: 34, fg: 'black', bg: '#dddddd' },
];

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

async function render(label: Label): Promise<Buffer> {
  const lineHeight = Math.round(label.size * 1.6);
  const height = lineHeight * label.lines.length + 40;
  const texts = label.lines
    .map(
      (l, i) =>
        `<text x="24" y="${20 + lineHeight * (i + 1) - label.size * 0.4}" font-family="Liberation Sans, sans-serif" font-size="${label.size}" fill="${label.fg}">${escapeXml(l)}</text>`,
    )
    .join('');
  const svg = `<svg width="520" height="${height}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="${label.bg}"/>${texts}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

describe('TextReader (PP-OCRv4)', () => {
  let reader: TextReader;
  beforeAll(async () => {
    reader = await TextReader.load();
  });

  it('reads rendered labels with a character error rate ≤ 5%', async () => {
    let errors = 0;
    let chars = 0;
    const misses: string[] = [];
    for (const label of LABELS) {
      const truth = label.lines.join(' ');
      const answer = await reader.readText(await render(label));
      const e = editDistance(answer.text, truth);
      if (e > 0) misses.push(`${JSON.stringify(truth)} → ${JSON.stringify(answer.text)}`);
      errors += e;
      chars += truth.length;
      expect(answer.confidence).toBeGreaterThan(0);
      expect(answer.confidence).toBeLessThanOrEqual(1);
      expect(answer.lines).toHaveLength(label.lines.length);
    }
    const cer = errors / chars;
    console.log(
      `TextReader CER ${(100 * cer).toFixed(1)}% over ${chars} characters; misses: ${misses.join('; ')}`,
    );
    expect(cer, misses.join('; ')).toBeLessThanOrEqual(0.05);
  });

  it('honours maxLength with truncated', async () => {
    const answer = await reader.readText(await render(LABELS[1]!), { maxLength: 6 });
    expect(answer.truncated).toBe(true);
    expect(answer.text).toHaveLength(6);
    const whole = await reader.readText(await render(LABELS[1]!), { maxLength: 100 });
    expect(whole.truncated).toBe(false);
  });

  it('answers empty text with low confidence on images without text', async () => {
    const blank = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    expect(await reader.readText(blank)).toMatchObject({ text: '', truncated: false, confidence: 0 });
    const brick = await reader.readText(await readFile((await textureFiles('brick'))[0]!));
    expect(brick.confidence).toBeLessThan(0.5);
  });
});
