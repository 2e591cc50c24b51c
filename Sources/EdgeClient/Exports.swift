// The client's configuration speaks in locations (GeoPoint), addresses and TLS identities; users
// of the library get those types with `import EdgeClient` alone.
@_exported public import EdgeRouting
@_exported public import EdgeSecurity
// Which answers allow failover and mark a per-model condition, shared with the router.
@_exported public import EdgeWire
