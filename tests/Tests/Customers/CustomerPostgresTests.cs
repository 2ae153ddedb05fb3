using System.Text;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Customers;

/// <summary>Customers on a real PostgreSQL cluster: the projection table serves lists, and nothing stores plaintext PII.</summary>
public sealed class CustomerPostgresTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task A_customer_created_through_grains_is_listed_from_the_postgres_projection_and_stored_encrypted()
    {
        var database = await TestPostgres.CreateDatabaseAsync("customers");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        const string partition = "ten_pgtest:live";
        var id = ResourceIds.New(CustomerKeys.IdPrefix);

        await client.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, id)).Create(new CustomerFields
        {
            Name = "Jane Smith", Email = "jane@example.com", Phone = "+61412345678", Company = "Acme Corp",
        });

        var page = await client.GetGrain<ICustomerDirectoryGrain>(partition).List(new ListQuery(Search: "jane@example.com"));
        var listed = Assert.Single(page.Items);
        Assert.Equal(id, listed.Id);
        Assert.Equal("Jane Smith", listed.Name);
        Assert.Equal("+61412345678", listed.Phone);
        Assert.Empty((await client.GetGrain<ICustomerDirectoryGrain>("ten_pgtest:test").List(new ListQuery())).Items);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var query = new NpgsqlCommand(
            "SELECT document FROM resource_projection WHERE partition = $1 AND resource_type = 'customer' AND id = $2", connection))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = partition });
            query.Parameters.Add(new NpgsqlParameter { Value = id });
            var document = (string)(await query.ExecuteScalarAsync())!;
            Assert.DoesNotContain("jane@example.com", document);
            Assert.DoesNotContain("Jane Smith", document);
            Assert.DoesNotContain("61412345678", document);
            Assert.Contains("\"email\":\"v1:", document);
        }

        // Grain state (customer, email reservation, keyring) holds ciphertext, blind indexes and wrapped keys only.
        var stored = new StringBuilder();
        await using (var rows = new NpgsqlCommand("SELECT grain_key, payload FROM grain_state WHERE payload IS NOT NULL", connection))
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Append(reader.GetString(0)).Append('\n').Append(Encoding.Latin1.GetString((byte[])reader[1])).Append('\n');
            }
        }
        Assert.Contains(id, stored.ToString());
        foreach (var plaintext in new[] { "jane@example.com", "Jane Smith", "61412345678" })
        {
            Assert.DoesNotContain(plaintext, stored.ToString());
        }

        // Another silo reads it after the first is gone: the keys are wrapped in PostgreSQL under the shared master key.
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);
        var read = await Eventually.Get(() => client.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, id)).Get(),
            c => c.Email == "jane@example.com", ClusterTimeout, "the customer to be readable on the surviving silo");
        Assert.Equal("Jane Smith", read.Name);
    }
}
