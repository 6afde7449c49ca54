namespace Traceability.Hosting;

/// <summary>Where the bus is. Configuration section <c>RabbitMq</c>.</summary>
public sealed class RabbitMqOptions
{
    /// <summary>Broker host name.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>AMQP port.</summary>
    public int Port { get; set; } = 5672;

    /// <summary>Virtual host.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>User name.</summary>
    public string Username { get; set; } = "guest";

    /// <summary>Password.</summary>
    public string Password { get; set; } = "guest";

    /// <summary>Messages a consumer endpoint holds unacknowledged at once.</summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// Consumer queues are quorum queues (replicated, delivery-counting). False declares classic
    /// queues, for comparing the two only: a broker keeps a queue's type until the queue is deleted.
    /// </summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>
    /// Deliveries of one message (each consumer crash or lost channel counts one) before the broker
    /// dead-letters it to the queue's <c>_error</c> queue.
    /// </summary>
    public int DeliveryLimit { get; set; } = 10;
}
