using MassTransit;
using Traceability.Data;

namespace Traceability.Hosting;

/// <summary>
/// The platform's one retry policy for consumers. Errors of the message or the code: five in-process
/// retries with exponential backoff, then the message faults to the consumer's <c>_error</c> queue, so a
/// poison message never blocks the messages behind it. A database outage is not the message's fault:
/// <see cref="DatabaseUnavailableException"/> is retried every <see cref="OutageRetryInterval"/> for as
/// long as it lasts, so that consumers resume on their own instead of filling <c>_error</c>.
/// </summary>
public class RetryingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    /// <summary>How often a consumer tries again while its database is unavailable.</summary>
    public static readonly TimeSpan OutageRetryInterval = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Outer filter: database outages only. Each attempt already spent the background retry budget.
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<DatabaseUnavailableException>();
            // Incremental with no increment: a fixed interval without Interval's array of one entry per retry.
            retry.Incremental(int.MaxValue, OutageRetryInterval, TimeSpan.Zero);
        });
        // Inner filter: everything else; outages pass straight through to the outer one.
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<DatabaseUnavailableException>();
            retry.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300));
        });
    }
}
