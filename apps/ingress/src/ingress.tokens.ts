export const INGRESS_DEPS = Symbol('INGRESS_DEPS');
