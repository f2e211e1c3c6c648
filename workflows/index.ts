export { promotion } from './promotion.js';
export { stageLock } from './stage-lock.js';
export { freeze, line } from './line.js';
export { archivePromotion } from './archive.js';
export { rollback } from './rollback.js';
