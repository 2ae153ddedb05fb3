using Bench;
using Harness;

// Two roles in one program: the driver (default) starts the server role as a child process of the
// same DLL, loads it over loopback HTTP and writes the results; `--server` is that child.
try
{
    var options = BenchArgs.Parse(args);
    if (options.Has("help") || options.Has("h"))
    {
        Console.WriteLine(Driver.Usage);
        return 0;
    }

    return options.Has("server")
        ? await BenchServer.RunAsync(options)
        : await Driver.RunAsync(options);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"bench: {ex.Message}");
    Console.Error.WriteLine(Driver.Usage);
    return 2;
}
