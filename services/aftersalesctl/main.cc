// aftersalesctl: see cli.h for the commands.
#include <iostream>
#include <string>
#include <vector>

#include "services/aftersalesctl/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  aftersales::EnvConfig env;
  aftersales::SystemClock clock;
  return aftersales::ctl::RunCli(args, env, clock, std::cout, std::cerr);
}
