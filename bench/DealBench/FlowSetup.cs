using Harness;

namespace DealBench;

/// <summary>
/// What the deal flow needs on one server: a product, one customer per connection, and the iteration each worker
/// repeats (create → add_item → transition to in_progress on a new deal).
/// </summary>
public sealed class FlowSetup(Api api, string[] customers, string item)
{
    public Api Api => api;

    public IReadOnlyList<string> Customers => customers;

    public string Item => item;

    public static async Task<FlowSetup> CreateAsync(ChildProcess server, int connections)
    {
        var api = new Api(server.Http);
        var product = await api.CreateAsync("product", """{"name":"Professional Plan","price":99.00,"type":"service"}""");
        var customers = new string[connections];
        for (var i = 0; i < connections; i++)
        {
            customers[i] = await api.CreateAsync("customer", $$"""{"name":"Bench Customer {{i}}","email":"bench{{i}}@example.com","company":"Acme Corp"}""");
        }
        return new FlowSetup(api, customers, Driver.ItemJson.Replace("{0}", product, StringComparison.Ordinal));
    }

    public async Task Iteration(LoadWorker w)
    {
        var created = await w.SendReadingAsync("create", HttpMethod.Post, "/v1/deals", Driver.CreateJson(customers[w.Index]));
        if (created is null || Api.DealId(created) is not { } id)
        {
            return;
        }
        if (!await w.SendAsync("add_item", HttpMethod.Post, $"/v1/deals?id={id}&action=add_item", item))
        {
            return;
        }
        await w.SendAsync("transition", HttpMethod.Post, $"/v1/deals?id={id}&action=transition&status=in_progress");
    }
}
