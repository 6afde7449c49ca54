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
}
