using Xunit.Abstractions;
using Xunit.Sdk;

namespace Tests.Infrastructure;

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
