/** core/v1 ServiceAccount, as far as the controllers read it. */
import type { ObjectMeta } from './objects.ts'

export interface ServiceAccount {
  readonly apiVersion?: 'v1'
  readonly kind?: 'ServiceAccount'
  readonly metadata: ObjectMeta
  readonly secrets?: readonly { readonly name?: string }[]
  readonly imagePullSecrets?: readonly { readonly name?: string }[]
  readonly automountServiceAccountToken?: boolean
}

/** The account every namespace gets, and that pods run as when they name none. */
export const DEFAULT_SERVICE_ACCOUNT = 'default'
