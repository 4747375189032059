import type { ModelInit } from './model-utils.ts'
import { PaginatedList } from './paginated-list.ts'
import { DataSample } from './data-sample.ts'

/** One page of data samples returned by a filter query, with the key of the next page. */
export class PaginatedListDataSample extends PaginatedList<DataSample> {
  /** Copies the given fields, re-wrapping the rows as {@link DataSample}. */
  constructor(json: ModelInit<PaginatedList<DataSample>>) {
    super(json, DataSample)
  }
}
