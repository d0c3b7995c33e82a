import { z } from 'zod';

export type AuthConfig = {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Allowed clock skew between us and the identity provider, for exp/nbf. Default 30. */
  clockToleranceSeconds?: number;
};

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

const authConfigSchema = z.object({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwksUrl: z
    .string()
    .url()
    .refine((url) => /^https?:\/\//i.test(url), 'jwksUrl must be http(s)'),
  // Skew beyond five minutes is a broken clock, not tolerance; refuse it at boot.
  clockToleranceSeconds: z.number().int().min(0).max(300).default(DEFAULT_CLOCK_TOLERANCE_SECONDS),
});

export type ResolvedAuthConfig = Required<AuthConfig>;

// Validated once at boot: a misconfigured verifier must stop the service, not accept tokens.
export function parseAuthConfig(config: AuthConfig): ResolvedAuthConfig {
  const parsed = authConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid auth config: ${problems.join('; ')}`);
  }
  return parsed.data;
}
