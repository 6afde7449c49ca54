using MassTransit;

namespace Traceability.IntegrationTests;

/// <summary>Publishes events onto a fixture's virtual host as their owning service would (for services not started in the test).</summary>
internal static class TestBus
{
    public static async Task PublishAsync(TestVirtualHost virtualHost, params object[] messages)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(Infrastructure.RabbitHost, (ushort)Infrastructure.RabbitPort, virtualHost.Name, host =>
        {
            host.Username(Infrastructure.RabbitUser);
            host.Password(Infrastructure.RabbitPassword);
        }));
        await bus.StartAsync();
        try
        {
            foreach (var message in messages)
            {
                await bus.Publish(message, message.GetType());
            }
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
