/**
 * Training text: administrative Arabic phrasing of the kind a ministry's
 * registry handles, written for this tool, with generated numbers in both
 * digit systems (registry numbers such as ٢٠٢٥/٧١٣١, dates such as
 * ١٤/٠٣/٢٠٢٥, amounts, phone numbers) and a few short English words.
 *
 * Every line starts with an Arabic word, so a renderer that takes the
 * paragraph direction from the first strong character lays it out right to
 * left. Lines are returned in logical (typing) order.
 */
import type { Random } from './random';

const ARABIC_INDIC = '٠١٢٣٤٥٦٧٨٩';

/** Writes a non-negative integer's digits in the chosen system, zero-padded to `width`. */
export function digits(n: number, arabic: boolean, width = 0): string {
  const latin = String(n).padStart(width, '0');
  return arabic ? latin.replace(/[0-9]/g, (d) => ARABIC_INDIC[Number(d)] as string) : latin;
}

const OPENERS = ['قرار', 'كتاب', 'تعميم', 'مذكرة', 'إشعار', 'طلب', 'محضر', 'إفادة', 'تقرير', 'بلاغ', 'مراسلة', 'إحالة'];

const SUBJECTS = [
  'الموارد البشرية',
  'الشؤون المالية',
  'الخدمات العامة',
  'التخطيط والمتابعة',
  'الشؤون القانونية',
  'تقنية المعلومات',
  'الأرشيف المركزي',
  'العلاقات العامة',
  'اللوازم والمشتريات',
  'الرقابة الداخلية',
  'شؤون الموظفين',
  'المديرية العامة',
];

const NAMES = ['سالم', 'منى', 'يوسف', 'هدى', 'خالد', 'ليلى', 'عماد', 'رنا', 'طارق', 'سهى', 'ماجد', 'نوال'];
const FAMILIES = ['العبدالله', 'الخطيب', 'النجار', 'الحسيني', 'الزعبي', 'القاسم', 'الشريف', 'المصري'];
const CURRENCIES = ['دينار', 'ريال', 'درهم', 'جنيه', 'ليرة'];
const ENGLISH = ['PDF', 'Email', 'ID', 'Ref', 'Fax', 'IBAN', 'A4', 'USB', 'Scan', 'Online', 'Office', 'Code'];

/**
 * Templates; `{x}` slots are filled by the generators below. Written for this
 * tool in the register of official correspondence.
 */
const TEMPLATES = [
  '{open} رقم {reg} تاريخ {date}',
  'بالإشارة إلى كتابكم رقم {reg} المؤرخ في {date}',
  'يرجى تزويدنا بالوثائق المطلوبة قبل تاريخ {date}',
  'تقرر صرف مبلغ {amount} {currency} لصالح المستفيد',
  'للاستفسار يرجى الاتصال على الرقم {phone}',
  'المرفقات نسخة {en} من الطلب رقم {reg}',
  'إلى مديرية {subject} المحترمين',
  'الموضوع تحديث بيانات الموظف {name} رقم {num}',
  'نرفق لكم صورة عن {open} رقم {reg}',
  'تم استلام المعاملة بتاريخ {date} وقيدت برقم {reg}',
  'يعمل بهذا القرار اعتبارا من {date}',
  'تحال نسخة إلى قسم {subject} للعلم والمتابعة',
  'رقم الهوية {num} ورقم الهاتف {phone}',
  'بلغت قيمة الفاتورة {amount} {currency} شاملة الرسوم',
  'يرسل الملف بصيغة {en} إلى البريد الرسمي',
  'عدد الصفحات {small} والمرفقات {small}',
  'المرجع {en} {reg} الصادر عن {subject}',
  'مدة الإجازة {small} يوما تبدأ في {date}',
  'السيد {name} {family} المحترم',
  'وتفضلوا بقبول فائق الاحترام والتقدير',
  'صادر عن ديوان الوزارة بتاريخ {date}',
  'جلسة اللجنة رقم {small} لعام {year}',
  'حساب رقم {num} لدى البنك المركزي',
  'يحفظ الأصل في الأرشيف ويعطى رقم قيد {reg}',
  'هاتف {phone} فاكس {phone}',
  'نسبة الإنجاز {small} بالمئة حتى {date}',
  'تم تدقيق {small} معاملة خلال شهر {month}',
  'مسودة {open} بخصوص {subject}',
];

const MONTHS = ['كانون الثاني', 'شباط', 'آذار', 'نيسان', 'أيار', 'حزيران', 'تموز', 'آب', 'أيلول', 'تشرين الأول'];

/** Generators for each slot; `arabic` chooses the digit system for the whole line. */
function fill(slot: string, r: Random, arabic: boolean): string {
  const year = r.int(2010, 2027);
  switch (slot) {
    case 'open':
      return r.pick(OPENERS);
    case 'subject':
      return r.pick(SUBJECTS);
    case 'name':
      return r.pick(NAMES);
    case 'family':
      return r.pick(FAMILIES);
    case 'currency':
      return r.pick(CURRENCIES);
    case 'en':
      return r.pick(ENGLISH);
    case 'month':
      return r.pick(MONTHS);
    case 'year':
      return digits(year, arabic);
    case 'small':
      return digits(r.int(1, 120), arabic);
    case 'num':
      return digits(r.int(10000, 99999999), arabic);
    case 'reg': {
      const serial = digits(r.int(1, 9999), arabic);
      return r.chance(0.75) ? `${digits(year, arabic)}/${serial}` : `${serial}/${digits(year, arabic)}`;
    }
    case 'date': {
      const sep = !arabic && r.chance(0.2) ? '-' : '/';
      const d = digits(r.int(1, 28), arabic, 2);
      const m = digits(r.int(1, 12), arabic, 2);
      return `${d}${sep}${m}${sep}${digits(year, arabic)}`;
    }
    case 'amount': {
      const whole = r.int(5, 250000);
      if (!arabic && r.chance(0.5)) return whole.toLocaleString('en-US');
      if (r.chance(0.3)) return `${digits(whole, arabic)}.${digits(r.int(0, 99), arabic, 2)}`;
      return digits(whole, arabic);
    }
    case 'phone': {
      const mobile = `07${r.int(7, 9)}${digits(r.int(0, 9999999), false, 7)}`;
      if (!arabic && r.chance(0.3)) return `${mobile.slice(0, 3)}-${mobile.slice(3, 6)}-${mobile.slice(6)}`;
      return arabic ? digits(Number(mobile), true, 10) : mobile;
    }
    default:
      throw new Error(`unknown slot ${slot}`);
  }
}

/** One line of training text in logical order. */
export function makeLine(r: Random): string {
  const arabic = r.chance(0.55);
  let line = r.pick(TEMPLATES).replace(/\{(\w+)\}/g, (_m, slot: string) => fill(slot, r, arabic));
  // Now and then two short templates share a line, as in a letter's header.
  if (line.length < 28 && r.chance(0.4)) {
    line += ` ${r.pick(TEMPLATES).replace(/\{(\w+)\}/g, (_m, slot: string) => fill(slot, r, arabic))}`;
  }
  return line;
}

/** `count` lines from `r`, without repeats. */
export function makeLines(count: number, r: Random): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const line = makeLine(r);
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}

/** The numbers in a line (runs of digits joined by / - . , :), for the exact-number rate. */
export function numbersIn(line: string): string[] {
  return line.match(/[0-9٠-٩]+(?:[/\-.,:][0-9٠-٩]+)*/g) ?? [];
}
