using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Traceability.Hosting;

/// <summary>
/// The service's part of the broker topology: the deploy step (<c>topology</c> command) that declares
/// its exchanges, consumer queues and bindings before any service publishes, and the settings every
/// consumer queue gets.
/// </summary>
public sealed partial class BusTopology(ILogger<BusTopology> logger)
{
    /// <summary>The command-line verb: <c>dotnet Traceability.&lt;Service&gt;.dll topology</c>.</summary>
    public const string Command = "topology";

    /// <summary>How long the deploy step waits for the broker before it gives up (and exits non-zero).</summary>
    public static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(2);

    /// <summary>True while the bus is built only to declare the topology, never to consume.</summary>
    public bool DeployOnly { get; private set; }

    /// <summary>Whether the process was started as the deploy step.</summary>
    public static bool IsRequested(string[] commandLine) => commandLine.Length > 1 && commandLine[1] == Command;

    /// <summary>
    /// Quorum queues are replicated across a RabbitMQ cluster and count deliveries, so a message that
    /// crashes its consumer (no in-process retry can catch that) is dead-lettered to the endpoint's
    /// <c>_error</c> queue after <see cref="RabbitMqOptions.DeliveryLimit"/> deliveries instead of
    /// looping forever. The in-process retries of <see cref="RetryingConsumerDefinition{TConsumer}"/>
    /// do not count: they happen within one delivery.
    /// </summary>
    public static void ConfigureConsumerQueue(IReceiveEndpointConfigurator endpoint, string queueName, RabbitMqOptions options)
    {
        if (endpoint is not IRabbitMqReceiveEndpointConfigurator rabbit || !options.QuorumQueues)
        {
            return;
        }
        rabbit.SetQuorumQueue();
        rabbit.SetQueueArgument("x-delivery-limit", options.DeliveryLimit);
        // The same exchange and queue MassTransit moves faulted messages to (declared alike, see
        // ConfigureErrorQueues), declared with the queue so that a dead-lettered message always has somewhere to go.
        rabbit.BindDeadLetterQueue($"{queueName}_error", $"{queueName}_error", error => error.SetQuorumQueue());
    }

    /// <summary>
    /// MassTransit declares a queue's <c>_error</c> and <c>_skipped</c> queues with the queue's own
    /// arguments. They stay quorum queues (replicated) but must not inherit the delivery limit and
    /// the dead-letter exchange, which would point the error queue at itself and differ from the
    /// declaration in <see cref="ConfigureConsumerQueue"/> (RabbitMQ refuses a queue declared twice differently).
    /// </summary>
    public static void ConfigureErrorQueues(IRabbitMqBusFactoryConfigurator rabbit, RabbitMqOptions options)
    {
        if (!options.QuorumQueues)
        {
            return;
        }
        rabbit.SendTopology.ConfigureErrorSettings = WithoutDeadLettering;
        rabbit.SendTopology.ConfigureDeadLetterSettings = WithoutDeadLettering;
    }

    private static void WithoutDeadLettering(IRabbitMqQueueConfigurator queue)
    {
        queue.SetQueueArgument("x-delivery-limit", null);
        queue.SetQueueArgument("x-dead-letter-exchange", null);
    }

    /// <summary>Declares the topology of the service's bus and returns whether it succeeded.</summary>
    internal async Task<bool> DeployAsync(IServiceProvider services)
    {
        DeployOnly = true;
        var bus = services.GetRequiredService<IBusControl>();
        using var timeout = new CancellationTokenSource(DeployTimeout);
        try
        {
            // WaitAsync as well: a broker that refuses a declaration (PRECONDITION_FAILED) keeps the
            // bus retrying, and its start does not always end when the token is cancelled.
            await bus.DeployAsync(timeout.Token).WaitAsync(DeployTimeout + TimeSpan.FromSeconds(5));
            LogDeployed(bus.Address);
            return true;
        }
        catch (Exception exception)
        {
            LogFailed(exception, bus.Address);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bus topology deployed on {Address}")]
    private partial void LogDeployed(Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bus topology could not be deployed on {Address}")]
    private partial void LogFailed(Exception exception, Uri address);
}
