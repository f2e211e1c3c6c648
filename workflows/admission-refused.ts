/** The failure type a stage worker's admission refusal carries (activities/admission.ts). */
export const ADMISSION_REFUSED = 'AdmissionRefused';
