using Grains.Interfaces.Tenants;
using Grains.Platform.Hosting;
using Grains.Tenants;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace Tests.Platform;

/// <summary>
/// Static checks of docker-compose.yml and the Dockerfiles it builds: no Docker engine is needed, so
/// these catch a renamed setting, a missing file or a broken dependency before anyone runs compose.
/// </summary>
public sealed class DockerComposeTests
{
    private static readonly string[] ProgramServices = ["silo1", "silo2", "apihost"];
    private static readonly string[] Silos = ["silo1", "silo2"];

    private readonly Compose _compose = Compose.Load();

    [Fact]
    public void Compose_defines_postgres_two_silos_and_the_apihost()
    {
        foreach (var name in new[] { "postgres", "silo1", "silo2", "apihost" })
        {
            Assert.True(_compose.Services.ContainsKey(name), $"docker-compose.yml has no service '{name}'.");
        }
    }

    [Fact]
    public void Postgres_is_postgres_15_with_a_pg_isready_healthcheck()
    {
        var postgres = _compose.Service("postgres");

        Assert.Equal("postgres:15", Compose.Scalar(postgres, "image"));
        var healthcheck = Compose.Mapping(postgres, "healthcheck")
            ?? throw new Xunit.Sdk.XunitException("The postgres service has no healthcheck.");
        var test = Compose.Words(healthcheck, "test");
        Assert.True(test.Any(word => word.Contains("pg_isready", StringComparison.Ordinal)),
            $"The postgres healthcheck should run pg_isready, but its test is: {string.Join(' ', test)}");
    }

    [Fact]
    public void Postgres_keeps_its_data_in_a_named_volume()
    {
        var postgres = _compose.Service("postgres");
        var declared = Compose.Mapping(_compose.Root, "volumes")?.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet()
            ?? [];

        var mounts = Compose.Words(postgres, "volumes");
        var named = mounts.Select(m => m.Split(':')[0]).Where(declared.Contains).ToList();
        Assert.True(named.Count > 0,
            $"postgres should mount a volume declared under top-level 'volumes' ({string.Join(", ", declared)}); mounts: {string.Join(", ", mounts)}");
    }

    [Fact]
    public void Built_services_have_an_existing_context_and_dockerfile()
    {
        var built = _compose.BuiltServices().ToList();
        Assert.NotEmpty(built);

        foreach (var (service, build) in built)
        {
            Assert.True(Directory.Exists(build.ContextDirectory),
                $"{service}: build context '{build.ContextDirectory}' does not exist.");
            Assert.True(File.Exists(build.DockerfilePath),
                $"{service}: dockerfile '{build.DockerfilePath}' does not exist (it is relative to the build context).");
        }
    }

    [Fact]
    public void Dockerfiles_are_multi_stage_and_end_on_the_aspnet_runtime()
    {
        foreach (var dockerfile in _compose.Dockerfiles())
        {
            var images = Dockerfile.FromImages(dockerfile);

            Assert.True(images.Count >= 2, $"{dockerfile} should be multi-stage (build, then runtime) but has {images.Count} FROM line(s).");
            Assert.True(images.Any(i => i.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal)),
                $"{dockerfile} should build in mcr.microsoft.com/dotnet/sdk:10.0; stages: {string.Join(", ", images)}");
            Assert.True(images[^1].StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal),
                $"{dockerfile}'s last stage should be mcr.microsoft.com/dotnet/aspnet:10.0, not '{images[^1]}'.");
        }
    }

    [Fact]
    public void Dockerfiles_run_as_a_non_root_user()
    {
        foreach (var dockerfile in _compose.Dockerfiles())
        {
            var user = Dockerfile.FinalStageUser(dockerfile);

            Assert.True(user is not null, $"{dockerfile}'s runtime stage sets no USER, so it runs as root.");
            Assert.True(user is not ("root" or "0" or "0:0"), $"{dockerfile}'s runtime stage runs as '{user}'.");
        }
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    [InlineData("apihost")]
    public void Environment_keys_are_ones_the_programs_read(string service)
    {
        var known = ConfigurationKeys.All.Select(ConfigurationKeys.EnvironmentVariableFor).ToHashSet(StringComparer.Ordinal);

        var unknown = _compose.Environment(service).Keys.Where(key => !known.Contains(key)).ToList();

        Assert.True(unknown.Count == 0,
            $"{service} sets {string.Join(", ", unknown)}, which no program reads. Known keys: {string.Join(", ", known.Order())}");
    }

    [Fact]
    public void Apihost_is_a_cluster_client_reaching_postgres()
    {
        var environment = _compose.Environment("apihost");

        Assert.Equal("Client", environment.GetValueOrDefault("Orleans__Mode"));
        Assert.Equal("postgres", PostgresHost(environment, "apihost"));
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silo_connection_string_parses_and_names_host_postgres(string silo)
    {
        Assert.Equal("postgres", PostgresHost(_compose.Environment(silo), silo));
    }

    [Fact]
    public void Connection_strings_use_the_postgres_service_credentials()
    {
        // The postgres image's defaults: user postgres, database named after the user.
        var postgres = _compose.Environment("postgres");
        var user = postgres.GetValueOrDefault("POSTGRES_USER") ?? "postgres";
        var password = postgres.GetValueOrDefault("POSTGRES_PASSWORD");
        var database = postgres.GetValueOrDefault("POSTGRES_DB") ?? user;

        foreach (var service in ProgramServices)
        {
            var connection = new NpgsqlConnectionStringBuilder(_compose.Environment(service).GetValueOrDefault("ConnectionStrings__Postgres"));
            Assert.True(user == connection.Username, $"{service} connects as '{connection.Username}' but postgres creates user '{user}'.");
            Assert.True(password == connection.Password, $"{service}'s connection string password differs from postgres's POSTGRES_PASSWORD.");
            Assert.True(database == connection.Database, $"{service} uses database '{connection.Database}' but postgres creates '{database}'.");
        }
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silo_advertises_its_service_name_and_listens_on_any_address(string silo)
    {
        var environment = _compose.Environment(silo);

        Assert.Equal(silo, environment.GetValueOrDefault("Orleans__AdvertisedHost"));
        Assert.Equal("true", environment.GetValueOrDefault("Orleans__ListenOnAnyHostAddress")?.ToLowerInvariant());
    }

    [Fact]
    public void Silos_and_apihost_agree_on_cluster_and_service_id()
    {
        foreach (var key in new[] { "Orleans__ClusterId", "Orleans__ServiceId" })
        {
            var values = ProgramServices.ToDictionary(s => s, s => _compose.Environment(s).GetValueOrDefault(key) ?? "(default)");
            Assert.True(values.Values.Distinct().Count() == 1,
                $"{key} differs between services: {string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"))}");
        }
    }

    [Fact]
    public void Apihost_default_admin_key_is_well_formed()
    {
        var value = _compose.Environment("apihost").GetValueOrDefault("Bootstrap__AdminKey");
        Assert.False(string.IsNullOrEmpty(value), "apihost should set Bootstrap__AdminKey so the cluster has an admin key.");

        // ${BOOTSTRAP_ADMIN_KEY:-default} (or a literal): ApiHost refuses to start on a malformed key.
        var key = Compose.InterpolationDefault(value!);
        Assert.True(ApiKeySecrets.IsWellFormed(key) && ApiKeySecrets.KindOf(key) == "live",
            $"apihost's default Bootstrap__AdminKey '{key}' is not sb_live_{{au|eu|us}}_<16+ letters or digits>.");
    }

    [Fact]
    public void Apihost_depends_on_both_silos()
    {
        var dependsOn = _compose.DependsOn("apihost");

        foreach (var silo in Silos)
        {
            Assert.True(dependsOn.ContainsKey(silo), $"apihost should depend on {silo}; it depends on: {string.Join(", ", dependsOn.Keys)}");
        }
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silo_waits_for_postgres_to_be_healthy(string silo)
    {
        var dependsOn = _compose.DependsOn(silo);

        Assert.True(dependsOn.TryGetValue("postgres", out var condition), $"{silo} does not depend on postgres.");
        Assert.True(condition == "service_healthy", $"{silo} should wait for postgres with condition service_healthy, not {condition}.");
    }

    private static string PostgresHost(IReadOnlyDictionary<string, string?> environment, string service)
    {
        var value = environment.GetValueOrDefault("ConnectionStrings__Postgres");
        Assert.False(string.IsNullOrWhiteSpace(value), $"{service} sets no ConnectionStrings__Postgres.");
        return new NpgsqlConnectionStringBuilder(value).Host
            ?? throw new Xunit.Sdk.XunitException($"{service}'s ConnectionStrings__Postgres names no Host.");
    }

    /// <summary>docker-compose.yml read with YamlDotNet's representation model, with the shapes compose allows.</summary>
    private sealed class Compose
    {
        private Compose(string rootDirectory, YamlMappingNode root)
        {
            RootDirectory = rootDirectory;
            Root = root;
            Services = (Mapping(root, "services") ?? throw new Xunit.Sdk.XunitException("docker-compose.yml has no 'services'."))
                .Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (YamlMappingNode)p.Value, StringComparer.Ordinal);
        }

        /// <summary>The repository root, where docker-compose.yml lives; build contexts are relative to it.</summary>
        public string RootDirectory { get; }

        public YamlMappingNode Root { get; }

        public IReadOnlyDictionary<string, YamlMappingNode> Services { get; }

        public static Compose Load()
        {
            var root = RepositoryRoot();
            var path = Path.Combine(root, "docker-compose.yml");
            Assert.True(File.Exists(path), $"No docker-compose.yml at the repository root ({root}).");

            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            return new Compose(root, (YamlMappingNode)stream.Documents[0].RootNode);
        }

        /// <summary>The directory holding Orleans.sln, found by walking up from the test binaries.</summary>
        public static string RepositoryRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
                {
                    return directory.FullName;
                }
            }
            throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
        }

        public YamlMappingNode Service(string name) =>
            Services.TryGetValue(name, out var service) ? service : throw new Xunit.Sdk.XunitException($"docker-compose.yml has no service '{name}'.");

        /// <summary><c>environment</c> as a map (<c>KEY: value</c>) or a list (<c>- KEY=value</c>, <c>- KEY</c>).</summary>
        public IReadOnlyDictionary<string, string?> Environment(string service)
        {
            var result = new Dictionary<string, string?>(StringComparer.Ordinal);
            switch (Child(Service(service), "environment"))
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        result[((YamlScalarNode)key).Value!] = (value as YamlScalarNode)?.Value;
                    }
                    break;
                case YamlSequenceNode list:
                    foreach (var item in list.Children.Cast<YamlScalarNode>().Select(s => s.Value!))
                    {
                        var separator = item.IndexOf('=', StringComparison.Ordinal);
                        if (separator < 0)
                        {
                            result[item] = null;
                        }
                        else
                        {
                            result[item[..separator]] = item[(separator + 1)..];
                        }
                    }
                    break;
            }
            return result;
        }

        /// <summary><c>depends_on</c> as a list (condition service_started) or a map of conditions.</summary>
        public IReadOnlyDictionary<string, string> DependsOn(string service)
        {
            const string started = "service_started";
            return Child(Service(service), "depends_on") switch
            {
                YamlSequenceNode list => list.Children.Cast<YamlScalarNode>().ToDictionary(s => s.Value!, _ => started, StringComparer.Ordinal),
                YamlMappingNode map => map.Children.ToDictionary(
                    p => ((YamlScalarNode)p.Key).Value!,
                    p => (p.Value is YamlMappingNode options ? Scalar(options, "condition") : null) ?? started,
                    StringComparer.Ordinal),
                _ => new Dictionary<string, string>(),
            };
        }

        /// <summary>Services with <c>build</c>: a context string, or a map with context and dockerfile.</summary>
        public IEnumerable<(string Service, Build Build)> BuiltServices()
        {
            foreach (var (name, service) in Services)
            {
                var (context, dockerfile) = Child(service, "build") switch
                {
                    null => (null, null),
                    YamlScalarNode scalar => (scalar.Value ?? ".", null),
                    YamlMappingNode map => (Scalar(map, "context") ?? ".", Scalar(map, "dockerfile")),
                    var other => throw new Xunit.Sdk.XunitException($"{name}: unexpected 'build' shape {other.NodeType}."),
                };
                if (context is null)
                {
                    continue;
                }
                var contextDirectory = Path.GetFullPath(Path.Combine(RootDirectory, context));
                yield return (name, new Build(contextDirectory, Path.GetFullPath(Path.Combine(contextDirectory, dockerfile ?? "Dockerfile"))));
            }
        }

        public IReadOnlyList<string> Dockerfiles()
        {
            var dockerfiles = BuiltServices().Select(b => b.Build.DockerfilePath).Distinct().ToList();
            Assert.True(dockerfiles.Count > 0, "No service in docker-compose.yml is built from a Dockerfile.");
            var missing = dockerfiles.Where(path => !File.Exists(path)).ToList();
            Assert.True(missing.Count == 0, $"docker-compose.yml builds from missing Dockerfile(s): {string.Join(", ", missing)}");
            return dockerfiles;
        }

        public static YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

        public static YamlMappingNode? Mapping(YamlMappingNode node, string key) => Child(node, key) as YamlMappingNode;

        public static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

        /// <summary>A scalar as one word, or a sequence's items (e.g. a healthcheck test or a volume list).</summary>
        public static IReadOnlyList<string> Words(YamlMappingNode node, string key) => Child(node, key) switch
        {
            YamlScalarNode scalar => [scalar.Value ?? ""],
            YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList(),
            _ => [],
        };

        /// <summary>The value compose uses when the variable is unset: <c>${VAR:-default}</c> → default; a literal stays itself.</summary>
        public static string InterpolationDefault(string value)
        {
            if (!value.StartsWith("${", StringComparison.Ordinal) || !value.EndsWith('}'))
            {
                return value;
            }
            var separator = value.IndexOf(":-", StringComparison.Ordinal);
            return separator < 0 ? "" : value[(separator + 2)..^1];
        }
    }

    private sealed record Build(string ContextDirectory, string DockerfilePath);

    private static class Dockerfile
    {
        /// <summary>The image of each <c>FROM image [AS name]</c> line, in order.</summary>
        public static IReadOnlyList<string> FromImages(string path) =>
            Instructions(path)
                .Where(i => i.Keyword == "FROM")
                .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(a => !a.StartsWith("--", StringComparison.Ordinal)))
                .ToList();

        /// <summary>The user of the last <c>USER</c> in the final stage (after the last <c>FROM</c>), or null.</summary>
        public static string? FinalStageUser(string path)
        {
            var finalStage = Instructions(path).AsEnumerable().Reverse().TakeWhile(i => i.Keyword != "FROM");
            return finalStage.Where(i => i.Keyword == "USER").Select(i => i.Arguments).FirstOrDefault();
        }

        /// <summary>Instructions as (KEYWORD, arguments), with comments dropped and <c>\</c> continuations joined.</summary>
        private static List<(string Keyword, string Arguments)> Instructions(string path)
        {
            var instructions = new List<(string, string)>();
            var pending = "";
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
                {
                    continue;
                }
                if (line.EndsWith('\\'))
                {
                    pending += line[..^1] + " ";
                    continue;
                }
                line = (pending + line).Trim();
                pending = "";
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(space < 0
                    ? (line.ToUpperInvariant(), "")
                    : (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim()));
            }
            return instructions;
        }
    }
}
