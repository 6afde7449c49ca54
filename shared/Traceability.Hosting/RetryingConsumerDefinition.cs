using MassTransit;

namespace Traceability.Hosting;

/// <summary>
/// The platform's one retry policy for consumers: five in-process retries with exponential backoff
/// (transient database or broker trouble), then the message faults to the consumer's <c>_error</c>
/// queue, so a poison message never blocks the messages behind it.
/// </summary>
public class RetryingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300)));
}
