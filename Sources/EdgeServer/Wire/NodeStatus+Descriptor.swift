public import EdgeProto
public import EdgeRouting

extension Edgeinfer_V1_NodeStatus {
  /// The routing view of a node's status; fails with a reason when a field is unusable.
  public func descriptor() throws(RPCErrorReason) -> NodeDescriptor {
    guard !nodeID.isEmpty, nodeID.count <= 253 else { throw RPCErrorReason("node_id must be 1 to 253 characters") }
    guard !address.isEmpty else { throw RPCErrorReason("node \(nodeID) sent no address") }
    guard hasLocation else { throw RPCErrorReason("node \(nodeID) sent no location") }
    let point: GeoPoint
    do {
      point = try GeoPoint(latitude: location.latitude, longitude: location.longitude)
    } catch {
      throw RPCErrorReason("node \(nodeID): \(error)")
    }
    return NodeDescriptor(
      id: nodeID, address: address, region: region, location: point,
      models: models.map { ModelAvailability(name: $0.name, version: $0.version, isReady: $0.state == .ready) },
      load: NodeLoadReport(
        queueDepth: Int(load.queueDepth), inFlight: Int(load.inFlight), capacity: Int(load.capacity),
        recentExecutionMicroseconds: load.recentExecutionUs, instances: Int(load.instances)))
  }
}

/// A reason to refuse a message, turned into INVALID_ARGUMENT by the service that reads it.
public struct RPCErrorReason: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

extension NodeDescriptor {
  public var status: Edgeinfer_V1_NodeStatus {
    var status = Edgeinfer_V1_NodeStatus()
    status.nodeID = id
    status.address = address
    status.region = region
    status.location = Edgeinfer_V1_Location(location)
    status.models = models.map { model in
      var state = Edgeinfer_V1_ModelState()
      state.name = model.name
      state.version = model.version
      state.state = model.isReady ? .ready : .unavailable
      return state
    }
    status.load.queueDepth = UInt32(clamping: load.queueDepth)
    status.load.inFlight = UInt32(clamping: load.inFlight)
    status.load.capacity = UInt32(clamping: load.capacity)
    status.load.recentExecutionUs = load.recentExecutionMicroseconds
    return status
  }
}

extension Edgeinfer_V1_Location {
  public init(_ point: GeoPoint) {
    self.init()
    latitude = point.latitude
    longitude = point.longitude
  }
}
