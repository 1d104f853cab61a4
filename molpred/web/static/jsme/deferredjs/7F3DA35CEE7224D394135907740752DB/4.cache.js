$wnd.jsme.runAsyncCallback4('x(706,595,$s);_.Zd=function(){this.a.Mc&&q4(this.a.Mc);this.a.Mc=new v4(1,this.a)};U(T0)(4);\n//@ sourceURL=4.js\n')
