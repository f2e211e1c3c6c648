import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes that make promotions findable in the Temporal Web UI and by `tollgate list`.
 * Registered on the dev server by `tollgate dev` and the test harness, and on a real cluster with
 * `temporal operator search-attribute create` (README).
 */
export const SA_APP = defineSearchAttributeKey('TollgateApp', SearchAttributeType.KEYWORD);
export const SA_VERSION = defineSearchAttributeKey('TollgateVersion', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('TollgateStage', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('TollgateStatus', SearchAttributeType.KEYWORD);

export const TOLLGATE_SEARCH_ATTRIBUTES = [SA_APP, SA_VERSION, SA_STAGE, SA_STATUS];
