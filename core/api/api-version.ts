// The API group and version every kind of the operator is served under.

export const API_GROUP = 'core.tikv.org';
export const API_VERSION = 'v1alpha1';
/** The `apiVersion` field of every object of this API. */
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
