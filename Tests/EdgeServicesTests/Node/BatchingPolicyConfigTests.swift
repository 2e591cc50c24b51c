import EdgeBatching
import EdgeProto
import EdgeRuntime
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Testing

/// config.pbtxt's dynamic_batching, in Triton's names, to the batcher's policy.
struct BatchingPolicyConfigTests {
  static func config(_ text: String) throws -> Inference_ModelConfig {
    try ModelConfigLoader.parse(
      """
      name: "m"
      backend: "mlp"
      input [ { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ]
      output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] } ]
      \(text)
      """, modelName: "m")
  }

  @Test func withoutDynamicBatchingEveryRequestRunsAlone() throws {
    let policy = BatchingPolicy(modelConfig: try Self.config("max_batch_size: 8"))
    #expect(policy.maxBatchSize == 1)
    #expect(policy.defaultQueuePolicy.maxQueueSize == BatchingPolicy.defaultMaxQueueSize)
  }

  @Test func tritonsFieldsMapOneToOne() throws {
    let policy = BatchingPolicy(modelConfig: try Self.config("""
      max_batch_size: 16
      dynamic_batching {
        preferred_batch_size: [ 4, 8 ]
        max_queue_delay_microseconds: 1500
        priority_levels: 3
        default_priority_level: 3
        default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 20000 allow_timeout_override: true max_queue_size: 7 }
        priority_queue_policy { key: 1 value { timeout_action: REJECT max_queue_size: 2 } }
      }
      """))
    #expect(policy.maxBatchSize == 16)
    #expect(policy.preferredBatchSizes == [4, 8])
    #expect(policy.maxQueueDelay == .microseconds(1500))
    #expect(policy.priorityLevels == 3)
    #expect(policy.defaultPriority == 3)
    #expect(policy.defaultQueuePolicy == QueuePolicy(timeoutAction: .delay, defaultTimeout: .milliseconds(20), allowTimeoutOverride: true, maxQueueSize: 7))
    #expect(policy.queuePolicy(of: 1) == QueuePolicy(timeoutAction: .reject, defaultTimeout: nil, allowTimeoutOverride: false, maxQueueSize: 2))
    #expect(policy.queuePolicy(of: 2) == policy.defaultQueuePolicy)
  }

  @Test func zeroesMeanTritonsDefaultsAndQueuesStayBounded() throws {
    let policy = BatchingPolicy(modelConfig: try Self.config("max_batch_size: 4\ndynamic_batching { }"))
    #expect(policy.maxBatchSize == 4)
    #expect(policy.priorityLevels == 1)
    #expect(policy.defaultPriority == 1)
    #expect(policy.maxQueueDelay == .zero)
    #expect(policy.defaultQueuePolicy.defaultTimeout == nil)
    #expect(policy.defaultQueuePolicy.maxQueueSize == BatchingPolicy.defaultMaxQueueSize)
  }
}
