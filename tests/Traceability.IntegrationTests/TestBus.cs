using MassTransit;

namespace Traceability.IntegrationTests;

/// <summary>Publishes events onto a fixture's virtual host as their owning service would (for services not started in the test).</summary>
internal static class TestBus
{
    public static Task PublishAsync(TestVirtualHost virtualHost, params object[] messages) =>
        PublishAsync(virtualHost, messages.Select(m => (m, Guid.NewGuid())).ToArray());

    /// <summary>Publishes each message with the given transport message id: the same id twice is a redelivery, as the inbox sees it.</summary>
    public static async Task PublishAsync(TestVirtualHost virtualHost, params (object Message, Guid MessageId)[] messages)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(Infrastructure.RabbitHost, (ushort)Infrastructure.RabbitPort, virtualHost.Name, host =>
        {
            host.Username(Infrastructure.RabbitUser);
            host.Password(Infrastructure.RabbitPassword);
        }));
        await bus.StartAsync();
        try
        {
            foreach (var (message, messageId) in messages)
            {
                await bus.Publish(message, message.GetType(), context => context.MessageId = messageId);
            }
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
