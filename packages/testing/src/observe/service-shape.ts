/**
 * A plugin's service as its dependents see it: its kind, and for an object its members (own and inherited,
 * accessors as `getter`) with their kinds, sorted. Two services with equal shapes are interchangeable for a
 * dependent that only uses what is there; values are not compared.
 */
export function describeShape(service: unknown): string {
  if (service === null) return 'null';
  if (typeof service !== 'object') return typeof service;
  const members = new Map<string, string>();
  for (
    let layer: object | null = service;
    layer !== null && layer !== Object.prototype;
    layer = Object.getPrototypeOf(layer) as object | null
  ) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(layer))) {
      if (key === 'constructor' || members.has(key)) continue;
      members.set(key, descriptor.get !== undefined ? 'getter' : typeof descriptor.value);
    }
  }
  const listed = [...members].sort(([first], [second]) => first.localeCompare(second));
  return `{ ${listed.map(([key, kind]) => `${key}: ${kind}`).join(', ')} }`;
}
