export { promotion } from './promotion.js';
export { stageLock } from './stage-lock.js';
export { line } from './line.js';
export { archivePromotion } from './archive.js';
export { rollback } from './rollback.js';
