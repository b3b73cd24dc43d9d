/**
 * Ground truth for the OCR evaluation: twelve short ministry letters of the
 * kind a registry receives. Each has a ministry header, a registry number in
 * Arabic-Indic digits, a date and a decision number in Latin digits, a subject
 * and body with hamza-bearing words, and one English line, so that the
 * measures cover Naskh text, both digit scripts and mixed-direction lines.
 */

export interface Letter {
  id: string;
  lines: string[];
}

export const LETTERS: Letter[] = [
  {
    id: 'labour',
    lines: [
      'وزارة العمل',
      'رقم القيد: ٢٠٢٤/١٢٣',
      'التاريخ: 13/03/2026',
      'الموضوع: تجديد تصاريح العمل للعمال الأجانب',
      'إشارة إلى قرار رقم 634/2019 بشأن تنظيم سوق العمل',
      'Ministry of Labour - Registry',
    ],
  },
  {
    id: 'interior',
    lines: [
      'وزارة الداخلية',
      'مديرية الأحوال المدنية',
      'رقم القيد: ٢٠٢٥/٤٨٧',
      'التاريخ: 02/11/2025',
      'الموضوع: طلب إصدار بطاقة هوية بدل فاقد',
      'استناداً إلى قرار رقم 112/2021 نرجو التكرم بالموافقة',
      'Ministry of Interior - Civil Status',
    ],
  },
  {
    id: 'finance',
    lines: [
      'وزارة المالية',
      'رقم القيد: ٢٠٢٣/٩٠٥',
      'التاريخ: 28/06/2023',
      'الموضوع: صرف المستحقات المالية للموظفين',
      'بناءً على قرار رقم 77/2018 يصرف المبلغ من الموازنة',
      'Ministry of Finance - Treasury',
    ],
  },
  {
    id: 'health',
    lines: [
      'وزارة الصحة',
      'رقم القيد: ٢٠٢٦/٠٤١',
      'التاريخ: 09/01/2026',
      'الموضوع: ترخيص مؤسسة صحية خاصة',
      'نحيطكم علماً بأن الطلب مستوفٍ للشروط',
      'وفقاً لأحكام قرار رقم 2045/2020',
      'Ministry of Health - Licensing',
    ],
  },
  {
    id: 'education',
    lines: [
      'وزارة التربية والتعليم',
      'رقم القيد: ٢٠٢٤/٣٣٠',
      'التاريخ: 15/09/2024',
      'الموضوع: معادلة الشهادة الثانوية',
      'قرار رقم 318/2017',
      'Ministry of Education - Registry',
    ],
  },
  {
    id: 'justice',
    lines: [
      'وزارة العدل',
      'رقم القيد: ٢٠٢٢/١٧٦٦',
      'التاريخ: 30/04/2022',
      'الموضوع: تصديق وكالة عامة',
      'يرجى إرسال الأصل إلى أمانة السر',
      'تنفيذاً لقرار رقم 59/2016 الصادر عن رئيس الديوان',
      'مع فائق الاحترام والتقدير',
      'Ministry of Justice - Notary Office',
    ],
  },
  {
    id: 'economy',
    lines: [
      'وزارة الاقتصاد والتجارة',
      'رقم القيد: ٢٠٢٥/٠٠٩',
      'التاريخ: 21/07/2025',
      'الموضوع: تسجيل علامة تجارية',
      'قرار رقم 940/2022 بشأن السجل التجاري',
      'Ministry of Economy - Trade Register',
    ],
  },
  {
    id: 'social',
    lines: [
      'وزارة الشؤون الاجتماعية',
      'رقم القيد: ٢٠٢٤/٦٥٢',
      'التاريخ: 05/12/2024',
      'الموضوع: إعانة أسرة متضررة',
      'نرفق لكم الأوراق الثبوتية المطلوبة',
      'وفق قرار رقم 1203/2023',
      'Ministry of Social Affairs',
    ],
  },
  {
    id: 'transport',
    lines: [
      'وزارة النقل',
      'رقم القيد: ٢٠٢٣/٢٧٨',
      'التاريخ: 17/02/2023',
      'الموضوع: نقل ملكية مركبة',
      'إلحاقاً بكتابنا وبالإشارة إلى قرار رقم 88/2015',
      'Ministry of Transport - Vehicles',
    ],
  },
  {
    id: 'agriculture',
    lines: [
      'وزارة الزراعة',
      'رقم القيد: ٢٠٢٦/١١٥',
      'التاريخ: 11/03/2026',
      'الموضوع: دعم مشاريع الري الحديث',
      'يعمم قرار رقم 406/2024 على المديريات',
      'للاطلاع والعمل بموجبه',
      'Ministry of Agriculture',
    ],
  },
  {
    id: 'housing',
    lines: [
      'وزارة الأشغال العامة والإسكان',
      'رقم القيد: ٢٠٢٥/٧٣٤',
      'التاريخ: 26/08/2025',
      'الموضوع: تخصيص مسكن',
      'قرار رقم 5/2025',
      'Ministry of Housing - Registry',
    ],
  },
  {
    id: 'energy',
    lines: [
      'وزارة الطاقة والمياه',
      'رقم القيد: ٢٠٢٤/٨٨٠',
      'التاريخ: 03/10/2024',
      'الموضوع: طلب اشتراك كهرباء',
      'المؤسسة مسؤولة عن تنفيذ قرار رقم 713/2021',
      'وتبليغ المشتركين بالإجراءات',
      'Ministry of Energy and Water',
    ],
  },
];
