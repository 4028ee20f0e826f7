#include <iostream>

int main() {
  std::cout << "excise " EXCISE_VERSION "\n";
  return 0;
}
