using Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Tests.Projections;

/// <summary>
/// A fact of the shared store contract (<see cref="ProjectionStoreContract"/>). It is declared once on the
/// abstract base, so whether it needs PostgreSQL depends on the concrete class: in a class marked
/// <see cref="RequiresPostgresAttribute"/> it is skipped like <see cref="PostgresFactAttribute"/> when no
/// PostgreSQL is configured (and fails with REQUIRE_POSTGRES=1).
/// </summary>
[XunitTestCaseDiscoverer("Tests.Projections.StoreFactDiscoverer", "Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new StoreTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer only.")]
    public StoreTestCase()
    {
    }

    public StoreTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(sink, display, options, method)
    {
    }

    // Runs again after de-serialization, so the environment is read where the test executes.
    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        var needsPostgres = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute).AssemblyQualifiedName).Any();
        return needsPostgres && TestPostgres.BaseConnectionString is null && !TestPostgres.Required
            ? $"PostgreSQL not configured ({TestPostgres.ConnectionStringVariable} unset)"
            : base.GetSkipReason(factAttribute);
    }
}
