using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

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

    /// <summary>
    /// True when the process is the deploy step: its bus is built only to declare the topology, never to consume.
    /// Known from the command line when the service is registered, not set when the step begins: the bus is built by
    /// whatever first asks for it, and mapping the health endpoints does (MassTransit's bus health check), so a flag set
    /// later came too late and the step started consumers that worked the waiting messages before any migration had run.
    /// </summary>
    public bool DeployOnly { get; } = IsRequested(Environment.GetCommandLineArgs());

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
        if (!DeployOnly)
        {
            throw new InvalidOperationException($"The topology is deployed only by the '{Command}' command: this bus consumes.");
        }
        var bus = services.GetRequiredService<IBusControl>();
        using var timeout = new CancellationTokenSource(DeployTimeout);
        try
        {
            // WaitAsync as well: a broker that refuses a declaration (PRECONDITION_FAILED) keeps the
            // bus retrying, and its start does not always end when the token is cancelled.
            await bus.DeployAsync(timeout.Token).WaitAsync(DeployTimeout + TimeSpan.FromSeconds(5));
            LogDeployed(bus.Address);
            var retired = services.GetServices<RetiredQueue>().ToList();
            if (retired.Count > 0)
            {
                await DeleteRetiredAsync(retired, services.GetRequiredService<IOptions<RabbitMqOptions>>().Value, timeout.Token);
            }
            return true;
        }
        catch (Exception exception)
        {
            LogFailed(exception, bus.Address);
            return false;
        }
    }

    /// <summary>
    /// A queue a service declared once and no longer consumes stays bound on every broker it was declared on, and
    /// fills with every message published to it. The deploy step deletes it (with its exchange and its <c>_error</c>
    /// queue) once it is empty; while it still holds messages it is kept, with a warning, so that nothing is lost.
    /// </summary>
    private async Task DeleteRetiredAsync(IReadOnlyList<RetiredQueue> retired, RabbitMqOptions options, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = options.Host, Port = options.Port, VirtualHost = options.VirtualHost, UserName = options.Username, Password = options.Password,
        };
        try
        {
            await using var connection = await factory.CreateConnectionAsync($"traceability-topology-{retired[0].Name}", cancellationToken);
            foreach (var queue in retired)
            {
                foreach (var name in new[] { queue.Name, $"{queue.Name}_error" })
                {
                    // A failed operation closes its channel: one channel per queue.
                    await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                    uint messages;
                    try
                    {
                        messages = (await channel.QueueDeclarePassiveAsync(name, cancellationToken)).MessageCount;
                    }
                    catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
                    {
                        continue;
                    }
                    // Quorum queues refuse queue.delete's if-empty flag, hence the count first. A message that
                    // arrives between the two is a copy of one the queue's new consumer receives as well.
                    if (messages > 0)
                    {
                        LogRetiredNotEmpty(name, messages, queue.Reason);
                        continue;
                    }
                    await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken);
                    await channel.ExchangeDeleteAsync(name, ifUnused: false, cancellationToken: cancellationToken);
                    LogRetiredDeleted(name);
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The service's own topology is deployed: a queue left behind costs the broker, not the platform.
            LogRetiredFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retired queue {Queue} deleted, with its exchange")]
    private partial void LogRetiredDeleted(string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retired queue {Queue} still holds {Messages} messages and was kept: {Reason} Drain it (README, \"Changing a queue's type\"), then run the topology step again.")]
    private partial void LogRetiredNotEmpty(string queue, uint messages, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retired queues could not be checked or deleted; they stay until the next topology step")]
    private partial void LogRetiredFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bus topology deployed on {Address}")]
    private partial void LogDeployed(Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bus topology could not be deployed on {Address}")]
    private partial void LogFailed(Exception exception, Uri address);
}

/// <summary>
/// A consumer queue the service no longer has (its consumer removed or moved to another queue): the topology step
/// deletes it when it is empty. <paramref name="Reason"/> says where its messages are consumed now.
/// </summary>
public sealed record RetiredQueue(string Name, string Reason);
