import type { Principal } from '../config/schema.js';

/** A chat user as the platform identified them, after the platform's signature was verified. */
export interface ChatIdentity {
  /** The key in a principal's `chat` map: `slack`, `mattermost`, or a webhook integration's identity key. */
  platform: string;
  userId: string;
}

/** Maps verified chat identities to Tollgate principals, as config lists them. */
export class PrincipalDirectory {
  private readonly byChatId = new Map<string, Principal>();

  constructor(principals: Principal[]) {
    for (const principal of principals) {
      for (const [platform, userId] of Object.entries(principal.chat)) {
        const key = this.key({ platform, userId });
        const other = this.byChatId.get(key);
        if (other)
          throw new Error(
            `principals ${other.id} and ${principal.id} both claim ${platform} user ${userId}: each chat identity must map to one principal`,
          );
        this.byChatId.set(key, principal);
      }
    }
  }

  find(identity: ChatIdentity): Principal | undefined {
    return this.byChatId.get(this.key(identity));
  }

  private key({ platform, userId }: ChatIdentity): string {
    return `${platform}\u0000${userId}`;
  }
}
