/**
 * sharp, with its process-wide settings made once: no operation cache (uploads
 * are seen once) and one libvips thread per operation, since the OCR workers
 * already use the cores. The image adapters import it from here.
 */
import sharp from 'sharp';

sharp.cache(false);
sharp.concurrency(1);

export { sharp };
